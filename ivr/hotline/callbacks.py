"""Callback tasks: created once per call and desk, never twice for one open number at one desk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ivr.hotline import worklist as tasks
from ivr.store.db import callbacks

MAX_LIST = 1000
"""Most tasks one API listing returns."""

# built once (a job creates tasks at a few hundred a second): one read for both repeats, the call's own task at
# this desk (any status) or an open one of the number there
_EXISTING = sa.select(callbacks.c.id, callbacks.c.call_sid).where(sa.or_(
    sa.and_(callbacks.c.call_sid == sa.bindparam("sid"), callbacks.c.desk == sa.bindparam("desk")),
    sa.and_(callbacks.c.desk == sa.bindparam("desk"), callbacks.c.phone == sa.bindparam("phone"),
            callbacks.c.status == "open")))
_CREATE = callbacks.insert()


def create(conn: Connection, desk: str, phone: str, language: str, call_sid: str, now: datetime,
           due_at: datetime, local_date: Any = None) -> tuple[int, bool]:
    """Create the task of a call for a desk; return (id, created). Repeats return the existing task."""
    found = conn.execute(_EXISTING, {"sid": call_sid, "desk": desk, "phone": phone}).all()
    if found:  # the call's own task first; else the caller already waits for this desk: one task is enough
        return next((row.id for row in found if row.call_sid == call_sid), found[0].id), False
    result = conn.execute(_CREATE, {
        "desk": desk, "phone": phone, "language": language, "call_sid": call_sid, "status": "open", "attempts": 0,
        "created_at": now, "due_at": due_at, "updated_at": now, "local_date": local_date})
    return result.inserted_primary_key[0], True


def attach_recording(conn: Connection, call_sid: str, desk: str | None, url: str | None, sid: str | None,
                     duration: int | None, now: datetime) -> int:
    """Attach a voice message to the call's task (of one desk, or the call's only task)."""
    query = callbacks.update().where(callbacks.c.call_sid == call_sid)
    if desk:
        query = query.where(callbacks.c.desk == desk)
    values: dict[str, Any] = {"updated_at": now}
    if url:
        values["recording_url"] = url
    if sid:
        values["recording_sid"] = sid
    if duration is not None:
        values["recording_duration"] = duration
    return conn.execute(query.values(**values)).rowcount


def close(conn: Connection, task_id: int, outcome: str, now: datetime, actor: str = "system") -> bool:
    """Close an open task (claim released, step in its history); a closed one keeps its outcome. False: no task."""
    result = conn.execute(callbacks.update().where(callbacks.c.id == task_id).where(callbacks.c.status == "open")
                          .values(status="closed", outcome=outcome, closed_at=now, updated_at=now,
                                  next_attempt_at=None))
    if result.rowcount:
        tasks.drop_claim(conn, task_id)
        tasks.record_step(conn, task_id, actor, "close", now, outcome=outcome)
        return True
    return conn.execute(sa.select(callbacks.c.id).where(callbacks.c.id == task_id)).first() is not None


def listing(conn: Connection, desk: str | None = None, status: str | None = None,
            limit: int = MAX_LIST) -> list[dict[str, Any]]:
    """Return tasks newest first, optionally of one desk and status."""
    query = sa.select(callbacks).order_by(callbacks.c.created_at.desc(), callbacks.c.id.desc())
    if desk:
        query = query.where(callbacks.c.desk == desk)
    if status:
        query = query.where(callbacks.c.status == status)
    return [dict(r) for r in conn.execute(query.limit(max(1, min(limit, MAX_LIST)))).mappings()]


def get(conn: Connection, task_id: int) -> dict[str, Any] | None:
    """Return one task or None."""
    row = conn.execute(sa.select(callbacks).where(callbacks.c.id == task_id)).mappings().first()
    return dict(row) if row else None


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    """Return the API form of a task."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": row["id"], "desk": row["desk"], "phone": row["phone"], "language": row["language"],
        "status": row["status"], "outcome": row["outcome"], "call_sid": row["call_sid"],
        "created_at": iso(row["created_at"]), "due_at": iso(row["due_at"]), "closed_at": iso(row["closed_at"]),
        "recording_url": row["recording_url"], "has_recording": bool(row["recording_url"] or row["recording_path"]),
        "attempts": row["attempts"],
    }
