"""Server-side records of staff logins, so that a session can be ended before its cookie expires."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ivr.store.db import staff_sessions


def _hash(token: str) -> str:
    """The stored form of a token: a copy of the table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(conn: Connection, user_id: int, now: datetime, lifetime: timedelta) -> str:
    """Record a new login and return its token (the cookie's only credential); drop expired records."""
    conn.execute(staff_sessions.delete().where(staff_sessions.c.expires_at <= now))
    token = secrets.token_urlsafe(32)
    conn.execute(staff_sessions.insert().values(token_hash=_hash(token), user_id=user_id, created_at=now,
                                                expires_at=now + lifetime))
    return token


def user_of(conn: Connection, token: str, now: datetime) -> int | None:
    """The user id of an open, unexpired session; None when it was ended, has expired or never existed."""
    query = (
        sa.select(staff_sessions.c.user_id)
        .where(staff_sessions.c.token_hash == _hash(token))
        .where(staff_sessions.c.expires_at > now)
    )
    return conn.execute(query).scalar()


def end(conn: Connection, token: str) -> None:
    """End one session (logout)."""
    conn.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == _hash(token)))


def end_all(conn: Connection, user_id: int) -> int:
    """End every session of a user (password reset, deactivation, role change); return how many there were."""
    return conn.execute(staff_sessions.delete().where(staff_sessions.c.user_id == user_id)).rowcount
