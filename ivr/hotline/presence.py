"""Staff presence for the live queue: a person's current status and the history of its changes.

The workbench, the API and the queue all change a status through `set_status`, so its rules hold for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from ivr.core.errors import IvrError
from ivr.store.db import presence_history
from ivr.store.db import staff_presence
from ivr.store.db import users

AVAILABLE = "available"
PAUSED = "paused"
SIGNED_OUT = "signed_out"
WRAP_UP = "wrap_up"
STATUSES = (AVAILABLE, PAUSED, SIGNED_OUT, WRAP_UP)
"""Every status a person can have; someone never set is signed_out."""
TAKES_CALLS = (AVAILABLE, WRAP_UP)
"""Statuses that lead to calls being offered (wrap_up turns into available by itself): they need a phone number."""
REASON_CHARS = 64
"""Longest reason kept (the column's width)."""
WRAP_UP_ENDED = "wrap_up ended"
"""The reason of the return to available that a wrap-up's end implies."""


class PresenceError(IvrError, ValueError):
    """A status change that breaks a rule; the text says which and what to give."""


@dataclass(frozen=True)
class Presence:
    """A person's status now, since when, and why (when the service set it)."""

    status: str
    since: datetime | None
    reason: str | None = None


@dataclass(frozen=True)
class Change:
    """One entry of the history: the status a person took, when, and why."""

    at: datetime
    status: str
    reason: str | None = None


def _stored(conn: Connection, user_id: int, lock: bool = False) -> sa.Row | None:
    """The stored presence row of a person (locked for the change on PostgreSQL), or None."""
    query = sa.select(staff_presence).where(staff_presence.c.user_id == user_id)
    return conn.execute(query.with_for_update() if lock else query).first()


def _effective(row: sa.Row | None, now: datetime) -> Presence:
    """The presence a stored row means at `now`: a wrap-up whose time is up is available since its end."""
    if row is None:
        return Presence(SIGNED_OUT, None)
    if row.status == WRAP_UP and row.until is not None and row.until <= now:
        return Presence(AVAILABLE, row.until, WRAP_UP_ENDED)
    return Presence(row.status, row.since, row.reason)


def current(conn: Connection, user_id: int, now: datetime) -> Presence:
    """A person's status at `now`; signed_out for someone whose status was never set."""
    return _effective(_stored(conn, user_id), now)


def check(status: str, reason: str | None = None, wrap_up_seconds: int | None = None) -> None:
    """Refuse an unknown status, a reason too long, and a wrap-up without a positive length."""
    if status not in STATUSES:
        raise PresenceError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    if reason is not None and len(reason) > REASON_CHARS:
        raise PresenceError(f"reason is longer than {REASON_CHARS} characters")
    if status == WRAP_UP and (wrap_up_seconds is None or wrap_up_seconds < 1):
        raise PresenceError("wrap_up needs the desk's wrap_up_seconds (a positive number of seconds)")


def set_status(conn: Connection, user_id: int, status: str, now: datetime, *, reason: str | None = None,
               wrap_up_seconds: int | None = None) -> bool:
    """Change a person's status and note it in the history; False (and nothing written) when it is unchanged."""
    check(status, reason, wrap_up_seconds)
    person = conn.execute(sa.select(users.c.username, users.c.phone).where(users.c.id == user_id)).first()
    if person is None:
        raise PresenceError(f"unknown user id {user_id}")
    if status in TAKES_CALLS and not (person.phone or "").strip():
        raise PresenceError(f"user {person.username!r} has no phone number, so calls cannot be put through: "
                            f"add one to the account before setting {status}")
    row = _stored(conn, user_id, lock=True)
    if row is None and status != SIGNED_OUT:
        # a person's first status: a signed_out row is made once (two first changes at a time: the second finds
        # it and waits on its lock), then changed like any other
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(staff_presence).values(user_id=user_id, status=SIGNED_OUT, since=now)
                     .on_conflict_do_nothing(index_elements=["user_id"]))
        row = _stored(conn, user_id, lock=True)
    before = _effective(row, now)
    if before.status == status:
        return False
    if row is not None and before.status != row.status:  # an ended wrap-up: its return to available is history too
        conn.execute(presence_history.insert().values(user_id=user_id, at=before.since, status=before.status,
                                                      reason=before.reason))
    until = now + timedelta(seconds=wrap_up_seconds) if status == WRAP_UP and wrap_up_seconds else None
    values = {"status": status, "reason": reason, "since": now, "until": until}
    conn.execute(staff_presence.update().where(staff_presence.c.user_id == user_id).values(**values))
    conn.execute(presence_history.insert().values(user_id=user_id, at=now, status=status, reason=reason))
    return True


def history(conn: Connection, user_id: int, now: datetime) -> list[Change]:
    """A person's status changes, oldest first, with the return to available that an ended wrap-up implies."""
    query = (
        sa.select(presence_history.c.at, presence_history.c.status, presence_history.c.reason)
        .where(presence_history.c.user_id == user_id)
        .order_by(presence_history.c.at, presence_history.c.id)
    )
    changes = [Change(row.at, row.status, row.reason) for row in conn.execute(query)]
    row = _stored(conn, user_id)
    presence = _effective(row, now)
    if row is not None and presence.status != row.status and presence.since is not None:
        changes.append(Change(presence.since, presence.status, presence.reason))
    return changes
