"""Call records: one row per CallSid, updated by jobs in any order without going backwards."""

from __future__ import annotations

import json
from datetime import datetime
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ivr.db import calls

STATUS_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3, "answered": 3,
               "completed": 9, "busy": 9, "no-answer": 9, "failed": 9, "canceled": 9}
"""Later statuses never give way to earlier ones (status callbacks arrive out of order)."""
FINAL = {status for status, rank in STATUS_RANK.items() if rank == 9}
OUTCOME_RANK = {None: 0, "abandoned": 1, "error": 2, "transferred": 3, "callback_requested": 4}
"""When two results are known, the stronger one stays: a requested callback is never overwritten."""


def ensure(conn: Connection, call_sid: str, now: datetime) -> dict[str, Any]:
    """Return the call's row, creating an empty one first if needed."""
    row = conn.execute(sa.select(calls).where(calls.c.call_sid == call_sid)).mappings().first()
    if row is None:
        conn.execute(calls.insert().values(call_sid=call_sid, path="[]", status_rank=0, created_at=now,
                                           updated_at=now))
        row = conn.execute(sa.select(calls).where(calls.c.call_sid == call_sid)).mappings().first()
    return dict(row)


def _local(values: dict[str, Any], started: datetime, tz: ZoneInfo) -> None:
    local = started.astimezone(tz)
    values.update(local_date=local.date(), local_weekday=local.weekday(), local_hour=local.hour)


def note_reached(conn: Connection, call_sid: str, desk: str, outcome: str, language: str | None,
                 version: str | None, at: datetime, tz: ZoneInfo) -> None:
    """Record that a call reached a desk with a result (transferred or callback requested)."""
    row = ensure(conn, call_sid, at)
    values: dict[str, Any] = {"updated_at": at}
    if OUTCOME_RANK.get(outcome, 0) >= OUTCOME_RANK.get(row["outcome"], 0):
        values.update(outcome=outcome, desk=desk)
    if language and not row["language"]:
        values["language"] = language
    if version and not row["flow_version"]:
        values["flow_version"] = version
    if row["started_at"] is None:
        values["started_at"] = at
        _local(values, at, tz)
    conn.execute(calls.update().where(calls.c.call_sid == call_sid).values(**values))


def note_status(conn: Connection, call_sid: str, status: str, duration: int | None, caller: str | None,
                received: datetime, tracked: dict[str, Any], tz: ZoneInfo, caller_hash: str | None) -> None:
    """Apply a status callback: never move backwards; on a final status, close the record."""
    row = ensure(conn, call_sid, received)
    rank = STATUS_RANK.get(status, 0)
    if rank < row["status_rank"] or (rank == row["status_rank"] and row["status"] in FINAL):
        return
    values: dict[str, Any] = {"status": status, "status_rank": rank, "updated_at": received}
    if caller and not row["caller"]:
        values.update(caller=caller, caller_hash=caller_hash)
    if tracked.get("lang") and not row["language"]:
        values["language"] = tracked["lang"]
    if tracked.get("version") and not row["flow_version"]:
        values["flow_version"] = tracked["version"]
    if tracked.get("desk") and not row["desk"]:
        values["desk"] = tracked["desk"]
    if tracked.get("path"):
        values["path"] = json.dumps(tracked["path"])
    started = row["started_at"] or tracked.get("started")
    if status in FINAL:
        values.update(ended_at=received, duration=duration)
        if started is None:
            started = received - timedelta(seconds=duration or 0)
        if OUTCOME_RANK.get(row["outcome"], 0) < OUTCOME_RANK["abandoned"]:
            values["outcome"] = "error" if status == "failed" else "abandoned"
    if started is not None and row["started_at"] is None:
        values["started_at"] = started
        _local(values, started, tz)
    conn.execute(calls.update().where(calls.c.call_sid == call_sid).values(**values))


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    """Return the API form of a call record."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "call_sid": row["call_sid"], "language": row["language"], "path": json.loads(row["path"] or "[]"),
        "desk": row["desk"], "outcome": row["outcome"], "status": row["status"],
        "started_at": iso(row["started_at"]), "ended_at": iso(row["ended_at"]), "duration": row["duration"],
        "flow_version": row["flow_version"],
    }


def get(conn: Connection, call_sid: str) -> dict[str, Any] | None:
    """Return one call record or None."""
    row = conn.execute(sa.select(calls).where(calls.c.call_sid == call_sid)).mappings().first()
    return dict(row) if row else None
