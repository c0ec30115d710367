"""A person's status set by themselves (the workbench's top bar) or by an integration (the API): presence's rules, an
audit entry, and the queue's choice asked to run once the person can take calls."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import redis
import sqlalchemy as sa

from ivr.container import Container
from ivr.hotline import audit
from ivr.hotline import presence
from ivr.store import jobqueue
from ivr.store.db import desk_members
from ivr.store.db import staff_presence
from ivr.store.db import users

log = logging.getLogger(__name__)
SETTABLE = (presence.AVAILABLE, presence.PAUSED, presence.SIGNED_OUT)
"""Statuses a person or an integration chooses; wrap_up is the service's (after each call)."""


class StatusRefused(ValueError):
    """A change the rules refuse: `key` names the reason (unknown_status, unknown_user, inactive, no_phone),
    `code` the HTTP status, the message says what to send instead."""

    def __init__(self, key: str, message: str, code: int):
        super().__init__(message)
        self.key = key
        self.code = code


@dataclass(frozen=True)
class Own:
    """What a person sees of their own status in the top bar."""

    status: str  # presence status (an ended wrap-up reads as available)
    reason: str | None
    since: datetime | None
    until: datetime | None  # the end of a wrap-up
    busy: bool  # on a queue call or being offered one
    phone: bool  # has a phone number: may become available


def unknown(status: str) -> StatusRefused:
    """The refusal of a status nobody may choose, naming the allowed ones."""
    return StatusRefused("unknown_status", f"unknown status {status[:32]!r}; use one of {', '.join(SETTABLE)}", 400)


def own(svc: Container, user_id: int) -> Own:
    """A person's own status now, with whether calls can be put through to them."""
    now = svc.clock()
    query = sa.select(users.c.phone, staff_presence.c.until, staff_presence.c.busy_with) \
        .select_from(users.outerjoin(staff_presence, staff_presence.c.user_id == users.c.id)) \
        .where(users.c.id == user_id)
    with svc.engine.connect() as conn:
        current = presence.current(conn, user_id, now)
        row = conn.execute(query).first()
    until = row.until if row is not None and current.status == presence.WRAP_UP else None
    return Own(current.status, current.reason, current.since, until,
               row is not None and row.busy_with is not None, bool(row and (row.phone or "").strip()))


def change(svc: Container, user_id: int, status: str, actor: str) -> bool:
    """Set a person's status (False: it was that already); raise StatusRefused when the rules refuse it.

    A person who becomes available is a chance for a waiting caller: the worker's choice is asked to run for each
    of their queue desks (the relay's sweep does it within seconds when Redis cannot be reached)."""
    if status not in SETTABLE:
        raise unknown(status)
    now = svc.clock()
    with svc.engine.begin() as conn:
        person = conn.execute(sa.select(users.c.username, users.c.phone, users.c.active)
                              .where(users.c.id == user_id)).first()
        if person is None:
            raise StatusRefused("unknown_user", f"no user with id {user_id}", 404)
        if not person.active:
            raise StatusRefused("inactive", "the account is deactivated", 409)
        if status in presence.TAKES_CALLS and not (person.phone or "").strip():
            raise StatusRefused("no_phone", f"user {person.username!r} has no phone number, so calls cannot be put "
                                            f"through: add one to the account before setting {status}", 409)
        changed = presence.set_status(conn, user_id, status, now)
        if changed:
            audit.write(conn, actor, "presence.set", f"user:{user_id}", now, status)
        desks = [row.desk for row in conn.execute(sa.select(desk_members.c.desk)
                                                  .where(desk_members.c.user_id == user_id))]
    if changed and status == presence.AVAILABLE:
        dispatch(svc, [d for d in desks if d in svc.settings.desks and svc.settings.desks[d].connect == "queue"])
    return changed


def dispatch(svc: Container, desks: list[str]) -> None:
    """Ask the worker to offer the desks' waiting callers; a failure is left to the relay's sweep."""
    request = getattr(jobqueue, "request_dispatch", None)  # the worker's side of the queue (ivr/store/jobqueue.py)
    conn = svc.redis
    if request is None or conn is None or not desks:
        return
    try:
        for desk in desks:
            request(conn, desk)
    except redis.RedisError as exc:
        log.warning("dispatch not requested (%s); the sweep offers waiting callers within seconds",
                    type(exc).__name__)
