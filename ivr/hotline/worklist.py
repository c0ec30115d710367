"""The staff's desk list: claims, attempts and forwards of callback tasks, the list's order and desk figures.

The task records themselves (create, get, close, history) are `callbacks`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ivr.core.roles import SUPERVISING_ROLES
from ivr.engine.hours import Schedule
from ivr.hotline import attempts
from ivr.hotline import callbacks
from ivr.hotline.users import User
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import calls
from ivr.store.db import task_claims
from ivr.store.db import users

REACHED = {"reached_resolved": "resolved", "reached_forwarded": "forwarded", "wrong_number": "wrong_number"}
"""Attempt outcomes that end the task, and the outcome the task is closed with."""
FAILED = ("no_answer", "busy", "voicemail_left")
"""Attempt outcomes after which the caller still waits."""
OUTCOMES = ("reached_resolved", "reached_forwarded", "no_answer", "busy", "wrong_number", "voicemail_left")
"""Every outcome staff can log, in form order."""


class TaskError(Exception):
    """A change to a task was refused; `key` names the message for the user."""

    def __init__(self, key: str, holder: str | None = None):
        super().__init__(key)
        self.key = key
        self.holder = holder


@dataclass(frozen=True)
class Attempt:
    """What staff logged for one callback attempt."""

    outcome: str
    note: str
    close: bool
    next_at: datetime | None = None


def drop_claim(conn: Connection, task_id: int) -> None:
    """Release whatever claim a task has."""
    conn.execute(task_claims.delete().where(task_claims.c.callback_id == task_id))


def open_tasks(conn: Connection, desks: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """Return the open tasks of some desks, oldest due first, with who holds each; of two due alike, the one asked
    for first (a caller who waited in the queue counts from when they joined it)."""
    query = (
        callbacks.with_holder()
        .where(callbacks_table.c.desk.in_(list(desks)))
        .where(callbacks_table.c.status == "open")
        .order_by(callbacks_table.c.due_at,
                  sa.func.coalesce(callbacks_table.c.queued_at, callbacks_table.c.created_at), callbacks_table.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


SHOWS = ("all", "now", "languages", "mine")
"""The desk list's choices: every open task, those that may be worked now, those in my languages, those I hold."""
SORTS = ("due", "received", "window")
"""The desk list's orders: due (workable now first), received (oldest call first), the caller's window."""


def shown(task: dict[str, Any], show: str, user: User) -> bool:
    """Whether a task of the desk list (with its `ready`: may be worked now) belongs to the choice `show`."""
    if show == "now":
        return task["ready"]
    if show == "languages":
        return task["language"] in user.languages
    if show == "mine":
        return task["holder_id"] == user.id
    return True


def arranged(tasks: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """The desk list's tasks (in open_tasks' due order, each with `ready` and `window_digit`) in the order `sort`.

    "due": those that may be worked now first, each group in due order (a next attempt set for Monday goes below);
    "received": the oldest request first; "window": morning, afternoon, any time, due order inside each."""
    if sort == "received":
        return sorted(tasks, key=lambda task: (task.get("queued_at") or task["created_at"], task["id"]))
    if sort == "window":
        return sorted(tasks, key=lambda task: task["window_digit"])
    return sorted(tasks, key=lambda task: not task["ready"])


def claim(conn: Connection, task: dict[str, Any], user: User, now: datetime) -> None:
    """Take a task; raise TaskError naming the holder when someone else has it."""
    if task["status"] != "open":
        raise TaskError("task_closed")
    if task["holder_id"] == user.id:
        return
    try:
        with conn.begin_nested():
            conn.execute(task_claims.insert().values(callback_id=task["id"], user_id=user.id, claimed_at=now))
    except IntegrityError:  # someone claimed it between our read and this insert
        current = callbacks.get(conn, task["id"])
        raise TaskError("claimed_elsewhere", current["holder"] if current else None) from None
    callbacks.record_step(conn, task["id"], user.username, "claim", now)


def release(conn: Connection, task: dict[str, Any], user: User, now: datetime) -> None:
    """Give a task back (the holder, or an admin or supervisor of the desk)."""
    if task["holder_id"] is None:
        return
    if task["holder_id"] != user.id and user.role not in SUPERVISING_ROLES:
        raise TaskError("claimed_elsewhere", task["holder"])
    drop_claim(conn, task["id"])
    callbacks.record_step(conn, task["id"], user.username, "release", now)


def expire_claims(conn: Connection, older_than: datetime, now: datetime) -> int:
    """Release claims taken before `older_than` (the holder left without logging an attempt); return how many."""
    stale = conn.execute(sa.select(task_claims.c.callback_id, users.c.username)
                         .select_from(task_claims.join(users, users.c.id == task_claims.c.user_id))
                         .where(task_claims.c.claimed_at < older_than)).all()
    for task_id, username in stale:
        conn.execute(task_claims.delete().where(task_claims.c.callback_id == task_id)
                     .where(task_claims.c.claimed_at < older_than))  # not one taken again meanwhile
        callbacks.record_step(conn, task_id, username, "claim_expired", now)
    return len(stale)


def _own(conn: Connection, task: dict[str, Any], user: User, now: datetime) -> None:
    if task["status"] != "open":
        raise TaskError("task_closed")
    if task["holder_id"] is None:
        claim(conn, task, user, now)
    elif task["holder_id"] != user.id:
        raise TaskError("claimed_elsewhere", task["holder"])


def log_attempt(
    conn: Connection,
    task: dict[str, Any],
    user: User,
    attempt: Attempt,
    now: datetime,
    schedule: Schedule,
    spacing_minutes: int,
    max_attempts: int,
    window: attempts.Ranges | None = None,
) -> str:
    """Record an attempt; close or reschedule the task. Return the task's status afterwards.

    The next attempt is at least `spacing_minutes` of service time away (a later time staff chose stays), and
    inside the desk's hours and the caller's `window` (attempts.window_ranges; None: any time)."""
    if attempt.outcome not in OUTCOMES:
        raise TaskError("invalid_input")
    _own(conn, task, user, now)
    count = task["attempts"] + 1
    callbacks.record_step(conn, task["id"], user.username, "attempt", now, outcome=attempt.outcome,
                          note=attempt.note or None)
    values: dict[str, Any] = {"attempts": count, "updated_at": now}
    if attempt.outcome in REACHED:
        closing = REACHED[attempt.outcome]
    elif count >= max_attempts or attempt.close:
        closing = "unreachable"
    else:
        closing = None
        earliest = attempts.earliest_next(schedule, window, now, spacing_minutes)
        chosen = attempt.next_at if attempt.next_at and attempt.next_at > earliest else earliest
        values["next_attempt_at"] = attempts.next_allowed(schedule, window, chosen)
    conn.execute(callbacks_table.update().where(callbacks_table.c.id == task["id"]).values(**values))
    if closing:  # the one rule for closing (claim released, step in the history), as the API and CLI close
        callbacks.close(conn, task["id"], closing, now, actor=user.username)
    else:
        drop_claim(conn, task["id"])
    return "closed" if closing else "open"


def forward(conn: Connection, task: dict[str, Any], user: User, desk: str, note: str, now: datetime) -> None:
    """Move a task to another desk with a note; the caller's due time stays."""
    if task["status"] != "open":
        raise TaskError("task_closed")
    if task["holder_id"] not in (None, user.id) and user.role not in SUPERVISING_ROLES:
        raise TaskError("claimed_elsewhere", task["holder"])
    try:
        with conn.begin_nested():
            conn.execute(
                callbacks_table.update()
                .where(callbacks_table.c.id == task["id"])
                .values(desk=desk, updated_at=now, next_attempt_at=None)
            )
    except IntegrityError:  # the call already has a task at that desk
        raise TaskError("forward_conflict") from None
    drop_claim(conn, task["id"])
    callbacks.record_step(conn, task["id"], user.username, "forward", now, desk=desk, note=note or None)


def note_call(conn: Connection, task: dict[str, Any], user: User, now: datetime) -> None:
    """Record that a click-to-call was started."""
    _own(conn, task, user, now)
    callbacks.record_step(conn, task["id"], user.username, "call", now)


def search(conn: Connection, phone: str, desks: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """Return tasks (open and closed) of one number within some desks, newest first."""
    query = (
        sa.select(callbacks_table)
        .where(callbacks_table.c.phone == phone)
        .where(callbacks_table.c.desk.in_(list(desks)))
        .order_by(callbacks_table.c.created_at.desc())
        .limit(200)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def overview(conn: Connection, desks: list[str], now: datetime, today: date) -> dict[str, dict[str, Any]]:
    """Return per desk: open tasks, overdue, oldest waiting and today's calls. No personal data."""
    figures = {d: {"open": 0, "overdue": 0, "oldest": None, "calls_today": 0} for d in desks}
    overdue = sa.func.sum(sa.case((callbacks_table.c.due_at < now, 1), else_=0))
    rows = conn.execute(
        sa.select(callbacks_table.c.desk, sa.func.count(), overdue, sa.func.min(callbacks_table.c.created_at))
        .where(callbacks_table.c.status == "open")
        .where(callbacks_table.c.desk.in_(desks))
        .group_by(callbacks_table.c.desk)
    )
    for desk, count, late, oldest in rows:
        figures[desk].update(open=count, overdue=int(late or 0), oldest=oldest)
    rows = conn.execute(
        sa.select(calls.c.desk, sa.func.count())
        .where(calls.c.local_date == today)
        .where(calls.c.desk.in_(desks))
        .group_by(calls.c.desk)
    )
    for desk, count in rows:
        figures[desk]["calls_today"] = count
    return figures


def remaining_service_hours(schedule: Schedule, now: datetime, due_at: datetime) -> float:
    """Service hours left until the due time (negative when overdue, counted in wall hours then)."""
    if due_at <= now:
        return -(now - due_at) / timedelta(hours=1)
    return schedule.service_seconds_between(now, due_at) / 3600
