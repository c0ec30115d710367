"""Callback task records: create, read, close and list the rows of the callbacks table, and each task's history."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ivr.store.db import callbacks
from ivr.store.db import sms_messages
from ivr.store.db import task_claims
from ivr.store.db import task_history
from ivr.store.db import users

MAX_LIST = 1000
"""Most tasks one API listing returns."""
CLOSE_OUTCOMES = frozenset({"resolved", "forwarded", "unreachable", "wrong_number", "withdrawn", "duplicate", "other",
                            "cancelled_by_caller"})  # the caller replied "cancel" to the SMS
"""Outcomes a task may be closed with (API, CLI and the workbench's attempts alike)."""

# built once (a job creates tasks at a few hundred a second): one read for both repeats, the call's own task at
# this desk (any status) or an open one of the number there
_EXISTING = sa.select(callbacks.c.id, callbacks.c.call_sid).where(sa.or_(
    sa.and_(callbacks.c.call_sid == sa.bindparam("sid"), callbacks.c.desk == sa.bindparam("desk")),
    sa.and_(callbacks.c.desk == sa.bindparam("desk"), callbacks.c.phone == sa.bindparam("phone"),
            callbacks.c.status == "open")))
_CREATE = callbacks.insert()
_REFERENCE = callbacks.update().where(callbacks.c.id == sa.bindparam("task_id")).values(
    reference=sa.bindparam("ref"))


class OutcomeError(ValueError):
    """A task cannot be closed with this outcome."""


class NumberTasks(NamedTuple):
    """What a callback capture needs to know of one number's tasks."""

    open_desks: frozenset[str]
    today: int


def reference(task_id: int) -> str:
    """The task's short reference for the caller ("R-4821"): from its id, never from the number.

    The id is scrambled by a step coprime to 10,000, so 10,000 consecutive tasks have distinct references and
    neighbouring tasks do not look like neighbours."""
    return f"R-{(int(task_id) * 7919 + 4821) % 10000:04d}"


def create(conn: Connection, desk: str, phone: str, language: str, call_sid: str, now: datetime,
           due_at: datetime, local_date: Any = None, queued_at: datetime | None = None,
           promised_by: date | None = None, window: str | None = None) -> tuple[int, bool]:
    """Create the task of a call for a desk; return (id, created). Repeats return the existing task.

    `queued_at`: when the caller joined the desk's queue before asking to be called back (they keep that place);
    `promised_by`: the local day the caller is told; `window`: when calls suit the caller (None: not asked yet)."""
    found = conn.execute(_EXISTING, {"sid": call_sid, "desk": desk, "phone": phone}).all()
    if found:  # the call's own task first; else the caller already waits for this desk: one task is enough
        return next((row.id for row in found if row.call_sid == call_sid), found[0].id), False
    result = conn.execute(_CREATE, {
        "desk": desk, "phone": phone, "language": language, "call_sid": call_sid, "status": "open", "attempts": 0,
        "created_at": now, "due_at": due_at, "updated_at": now, "local_date": local_date, "queued_at": queued_at,
        "promised_by": promised_by, "window": window})
    task_id = result.inserted_primary_key[0]
    conn.execute(_REFERENCE, {"task_id": task_id, "ref": reference(task_id)})
    return task_id, True


def of_call(conn: Connection, call_sid: str, desk: str) -> dict[str, Any] | None:
    """The task a call asked for at a desk (any status), or None."""
    row = conn.execute(sa.select(callbacks).where(callbacks.c.call_sid == call_sid)
                       .where(callbacks.c.desk == desk)).mappings().first()
    return dict(row) if row else None


def refine(conn: Connection, task_id: int, window: str, sms_consent: bool | None, due_at: datetime,
           promised_by: date, now: datetime) -> bool:
    """Set the window and SMS consent the caller chose, with the due time and day inside the window.

    Only an open task changes (a task closed meanwhile keeps what it had); False when nothing changed."""
    result = conn.execute(callbacks.update().where(callbacks.c.id == task_id).where(callbacks.c.status == "open")
                          .values(window=window, sms_consent=sms_consent, due_at=due_at, promised_by=promised_by,
                                  updated_at=now))
    return bool(result.rowcount)


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


def with_holder() -> sa.Select:
    """Tasks joined with whoever holds their claim (display name, else user name; None when unclaimed)."""
    holder = sa.func.coalesce(sa.func.nullif(users.c.display_name, ""), users.c.username)
    return sa.select(callbacks, task_claims.c.user_id.label("holder_id"), holder.label("holder")).select_from(
        callbacks.outerjoin(task_claims, task_claims.c.callback_id == callbacks.c.id).outerjoin(
            users, users.c.id == task_claims.c.user_id
        )
    )


def get(conn: Connection, task_id: int) -> dict[str, Any] | None:
    """Return one task with its holder (`holder_id`, `holder`) and its SMS state (`sms_state`), or None."""
    row = conn.execute(with_holder().where(callbacks.c.id == task_id)).mappings().first()
    return with_sms_state(conn, [dict(row)])[0] if row else None


def with_sms_state(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add `sms_state` to tasks: None without the caller's consent, else the state of the task's newest SMS
    (`pending` while none is recorded yet)."""
    consenting = [row["id"] for row in rows if row.get("sms_consent")]
    newest: dict[int, str] = {}
    for start in range(0, len(consenting), 500):  # bounded IN lists
        query = sa.select(sms_messages.c.callback_id, sms_messages.c.status).where(
            sms_messages.c.callback_id.in_(consenting[start:start + 500])).order_by(sms_messages.c.id)
        newest.update({task_id: status for task_id, status in conn.execute(query)})
    for row in rows:
        row["sms_state"] = newest.get(row["id"], "pending") if row.get("sms_consent") else None
    return rows


def record_step(conn: Connection, task_id: int, actor: str, kind: str, now: datetime, **values: Any) -> None:
    """Write one step of a task's history (actor: a user name, `cli` or `api:<id>`)."""
    conn.execute(task_history.insert().values(callback_id=task_id, at=now, actor=actor[:64], kind=kind, **values))


def history(conn: Connection, task_id: int) -> list[dict[str, Any]]:
    """Return the task's history, oldest first."""
    query = (
        sa.select(task_history)
        .where(task_history.c.callback_id == task_id)
        .order_by(task_history.c.at, task_history.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def close(conn: Connection, task_id: int, outcome: str, now: datetime, actor: str = "system") -> bool:
    """Close an open task (claim released, step in its history); a closed one keeps its outcome. False: no task.

    Raises OutcomeError for an outcome outside CLOSE_OUTCOMES."""
    if outcome not in CLOSE_OUTCOMES:
        raise OutcomeError(f"outcome must be one of {', '.join(sorted(CLOSE_OUTCOMES))}")
    result = conn.execute(callbacks.update().where(callbacks.c.id == task_id).where(callbacks.c.status == "open")
                          .values(status="closed", outcome=outcome, closed_at=now, updated_at=now,
                                  next_attempt_at=None))
    if result.rowcount:
        conn.execute(task_claims.delete().where(task_claims.c.callback_id == task_id))  # closed is nobody's work
        record_step(conn, task_id, actor, "close", now, outcome=outcome)
        return True
    return conn.execute(sa.select(callbacks.c.id).where(callbacks.c.id == task_id)).first() is not None


def has_open(conn: Connection, desk: str, phone: str) -> bool:
    """True when this number has an open task at this desk."""
    query = sa.select(callbacks.c.id).where(callbacks.c.desk == desk).where(callbacks.c.phone == phone) \
        .where(callbacks.c.status == "open").limit(1)
    return conn.execute(query).first() is not None


def of_number(conn: Connection, phone: str, now: datetime) -> NumberTasks:
    """This number's desks with an open task and its tasks of the last 24 hours, in one query."""
    since = now - timedelta(days=1)
    query = sa.select(callbacks.c.desk, callbacks.c.status, callbacks.c.created_at) \
        .where(callbacks.c.phone == phone) \
        .where(sa.or_(callbacks.c.status == "open", callbacks.c.created_at > since)).limit(500)
    rows = conn.execute(query).all()
    return NumberTasks(frozenset(r.desk for r in rows if r.status == "open"),
                       sum(1 for r in rows if r.created_at > since))


def listing(conn: Connection, desk: str | None = None, status: str | None = None,
            limit: int = MAX_LIST) -> list[dict[str, Any]]:
    """Return tasks newest first, optionally of one desk and status."""
    query = sa.select(callbacks).order_by(callbacks.c.created_at.desc(), callbacks.c.id.desc())
    if desk:
        query = query.where(callbacks.c.desk == desk)
    if status:
        query = query.where(callbacks.c.status == status)
    return with_sms_state(conn, [dict(r) for r in conn.execute(query.limit(max(1, min(limit, MAX_LIST)))).mappings()])


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    """Return the API form of a task."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": row["id"], "desk": row["desk"], "phone": row["phone"], "language": row["language"],
        "status": row["status"], "outcome": row["outcome"], "call_sid": row["call_sid"],
        "created_at": iso(row["created_at"]), "due_at": iso(row["due_at"]), "closed_at": iso(row["closed_at"]),
        "recording_url": row["recording_url"], "has_recording": bool(row["recording_url"] or row["recording_path"]),
        "attempts": row["attempts"], "queued_at": iso(row.get("queued_at")),
        "window": row.get("window") or "any",  # a task from before windows: any time
        "promised_by": row["promised_by"].isoformat() if row.get("promised_by") else None,
        "sms": row.get("sms_state"), "reference": row.get("reference"),
    }
