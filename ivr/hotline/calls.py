"""Call records: one row per CallSid, updated by jobs in any order without going backwards.

The path column is a JSON list indexed by the node's position in the call; a position nobody reported yet (Redis
lost it, no durable event covered it) is null there and left out of the API. Jobs only fill positions, so events
and Redis merge in any order and a repeated report changes nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from ivr.store.db import calls
from ivr.telephony.params import e164

log = logging.getLogger(__name__)
MAX_POSITIONS = 256
"""Positions a call record keeps (a caller repeating a menu for ever must not grow the row without bound)."""

STATUS_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3, "answered": 3,
               "completed": 9, "busy": 9, "no-answer": 9, "failed": 9, "canceled": 9}
"""Later statuses never give way to earlier ones (status callbacks arrive out of order)."""
FINAL = {status for status, rank in STATUS_RANK.items() if rank == 9}
OUTCOME_RANK = {None: 0, "abandoned": 1, "error": 2, "transferred": 3, "answered": 4, "callback_requested": 5}
"""When two results are known, the stronger one stays: a requested callback is never overwritten; a call a person
answered from a desk's queue outranks a transfer or a hang-up."""
QUEUE_FACTS = ("wait_seconds", "talk_seconds", "answered_by")
"""What a call that waited in a desk's queue adds to its record."""


NEW_ROW: dict[str, Any] = {column.name: None for column in calls.columns} | {"path": "[]", "status_rank": 0}
"""What a call record holds before any job wrote to it."""

# built once: a job runs these for every event, and building a statement costs more CPU than SQLite running it
_READ = sa.select(calls).where(calls.c.call_sid == sa.bindparam("sid"))
_UPDATE = calls.update().where(calls.c.call_sid == sa.bindparam("sid"))  # columns set: the parameters given
_INSERT = {name: dialect.insert(calls).on_conflict_do_nothing(index_elements=["call_sid"])
           for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def ensure(conn: Connection, call_sid: str, now: datetime) -> dict[str, Any]:
    """Return the call's row, creating an empty one first if needed."""
    _apply(conn, call_sid, now, lambda _row: {})
    return dict(conn.execute(_READ, {"sid": call_sid}).mappings().one())


def _apply(conn: Connection, call_sid: str, now: datetime,
           change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Write `change(row)` to the call's record: two statements, the read and an update or insert.

    A new record is inserted with its values at once (not inserted empty, read again and updated); when another
    job inserted it in the meantime, the insert does nothing and the change is made on that record."""
    for _ in range(2):
        row = conn.execute(_READ, {"sid": call_sid}).mappings().first()
        if row is not None:
            values = change(dict(row))
            if values:
                conn.execute(_UPDATE, {"sid": call_sid, **values})
            return
        values = {"created_at": now, "updated_at": now} | change(dict(NEW_ROW)) | {"call_sid": call_sid}
        if conn.execute(_INSERT[conn.dialect.name], values).rowcount:
            return
    raise RuntimeError(f"call {call_sid}: record neither found nor inserted")


def _local(values: dict[str, Any], started: datetime, tz: ZoneInfo) -> None:
    local = started.astimezone(tz)
    values.update(local_date=local.date(), local_weekday=local.weekday(), local_hour=local.hour)


def _is_node(node: object) -> bool:
    return isinstance(node, str) and 0 < len(node) <= 64


def merge_path(stored: str | None, known: Mapping[int, str]) -> str | None:
    """The stored path with the positions in `known` filled in (known ones stay); None when nothing changed."""
    try:
        path = json.loads(stored or "[]")
    except ValueError:
        path = []
    path = path if isinstance(path, list) else []
    changed = False
    for position, node in known.items():
        if not (isinstance(position, int) and 0 <= position < MAX_POSITIONS and _is_node(node)):
            continue
        if position >= len(path):
            path.extend([None] * (position + 1 - len(path)))
        if path[position] is None:
            path[position], changed = node, True
    return json.dumps(path) if changed else None


def _from_start(nodes: Iterable[str] | None) -> dict[int, str]:
    """An event's path (the nodes from the call's start) keyed by position."""
    return dict(enumerate(nodes)) if isinstance(nodes, list | tuple) else {}


def note_reached(conn: Connection, call_sid: str, desk: str, outcome: str, language: str | None,
                 version: str | None, at: datetime, tz: ZoneInfo, path: list[str] | None = None,
                 queue: Mapping[str, int | None] | None = None) -> None:
    """Record that a call reached a desk with a result (transferred, answered from the queue, abandoned, callback
    requested) and the path so far; `queue`: its wait and talk seconds and who answered (QUEUE_FACTS)."""
    _apply(conn, call_sid, at, lambda row: _reached(row, desk, outcome, language, version, at, tz, path, queue))


def _reached(row: dict[str, Any], desk: str, outcome: str, language: str | None, version: str | None,
             at: datetime, tz: ZoneInfo, path: list[str] | None,
             queue: Mapping[str, int | None] | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {"updated_at": at}
    for name in QUEUE_FACTS:  # a known figure stays (a late or repeated event brings the same or nothing)
        value = (queue or {}).get(name)
        if isinstance(value, int) and value >= 0 and row[name] is None:
            values[name] = value
    merged = merge_path(row["path"], _from_start(path))
    if merged is not None:
        values["path"] = merged
    if OUTCOME_RANK.get(outcome, 0) >= OUTCOME_RANK.get(row["outcome"], 0):
        values.update(outcome=outcome, desk=desk)
    if language and not row["language"]:
        values["language"] = language
    if version and not row["flow_version"]:
        values["flow_version"] = version
    if row["started_at"] is None:
        values["started_at"] = at
        _local(values, at, tz)
    return values


def note_status(conn: Connection, call_sid: str, status: str, duration: int | None, caller: str | None,
                received: datetime, tracked: dict[str, Any], tz: ZoneInfo, caller_hash: str | None) -> None:
    """Apply a status callback: never move backwards; on a final status, close the record.

    Only known statuses and E.164 callers are stored, whatever an (old) event carries."""
    _apply(conn, call_sid, received,
           lambda row: _status(row, call_sid, status, duration, caller, received, tracked, tz, caller_hash))


def _status(row: dict[str, Any], call_sid: str, status: str, duration: int | None, caller: str | None,
            received: datetime, tracked: dict[str, Any], tz: ZoneInfo, caller_hash: str | None) -> dict[str, Any]:
    merged = merge_path(row["path"], tracked.get("positions") or {})
    rank = STATUS_RANK.get(status, -1) if isinstance(status, str) else -1
    if rank < 0:
        log.warning("call %s: unknown call status ignored (%d characters)", call_sid, len(str(status)))
    if rank < row["status_rank"] or (rank == row["status_rank"] and row["status"] in FINAL):
        # the nodes Redis knows count even when the status itself changes nothing
        return {"path": merged} if merged is not None else {}
    values: dict[str, Any] = {"status": status, "status_rank": rank, "updated_at": received}
    if merged is not None:
        values["path"] = merged
    caller = e164(caller)
    if caller and not row["caller"]:
        values.update(caller=caller, caller_hash=caller_hash if caller_hash and len(caller_hash) <= 64 else None)
    if tracked.get("lang") and not row["language"]:
        values["language"] = tracked["lang"]
    if tracked.get("version") and not row["flow_version"]:
        values["flow_version"] = tracked["version"]
    if tracked.get("desk") and not row["desk"]:
        values["desk"] = tracked["desk"]
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
    return values


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    """Return the API form of a call record."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "call_sid": row["call_sid"], "language": row["language"],
        "path": [node for node in json.loads(row["path"] or "[]") if node is not None],
        "desk": row["desk"], "outcome": row["outcome"], "status": row["status"],
        "started_at": iso(row["started_at"]), "ended_at": iso(row["ended_at"]), "duration": row["duration"],
        "flow_version": row["flow_version"],
        "wait_seconds": row.get("wait_seconds"), "talk_seconds": row.get("talk_seconds"),
    }


def get(conn: Connection, call_sid: str) -> dict[str, Any] | None:
    """Return one call record or None."""
    row = conn.execute(sa.select(calls).where(calls.c.call_sid == call_sid)).mappings().first()
    return dict(row) if row else None
