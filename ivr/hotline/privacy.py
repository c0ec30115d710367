"""Personal data leaves: erasure of one number on request, and the retention rules the worker applies on a schedule.

Both strip tasks the same way (number, voice message and notes go; desk, dates and outcome stay for the figures), so
the two rules live together and share that step.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from ivr.hotline import audit
from ivr.hotline import recordings
from ivr.settings import Settings
from ivr.store.cipher import Cipher
from ivr.store.db import audit_log
from ivr.store.db import callbacks
from ivr.store.db import calls
from ivr.store.db import events
from ivr.store.db import presence_history
from ivr.store.db import queue_entries
from ivr.store.db import queue_log
from ivr.store.db import sms_messages
from ivr.store.db import task_history

log = logging.getLogger(__name__)


def normalise(raw: str) -> str | None:
    """Return the E.164 form of a number given in any usual way (+49..., 0049..., 0176...), or None."""
    text = raw.strip().replace(" ", "").replace("-", "").replace("/", "")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "DE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _strip_tasks(conn: Connection, ids: Sequence[int], **values: Any) -> None:
    """Take the number and voice message off tasks, the free-text notes (a caller's SMS replies too) off their
    history, and number and text off their SMS (kind, state and dates stay for the figures)."""
    conn.execute(callbacks.update().where(callbacks.c.id.in_(ids)).values(phone=None, recording_path=None, **values))
    conn.execute(task_history.update().where(task_history.c.callback_id.in_(ids)).values(note=None))
    conn.execute(sms_messages.update().where(sms_messages.c.callback_id.in_(ids)).values(phone=None, body=None))


def erase(engine: Engine, settings: Settings, raw: str, actor: str, now: datetime) -> dict[str, int]:
    """Remove the number from tasks, call records and pending events; close its open tasks; report counts."""
    phone = normalise(raw)
    if phone is None:
        raise ValueError("not a phone number; give it as +49... or 0...")
    pseudonym = Cipher(settings.secret_key).pseudonym(phone)
    report: dict[str, int] = {}
    with engine.begin() as conn:
        tasks = conn.execute(sa.select(callbacks.c.id, callbacks.c.status, callbacks.c.recording_path)
                             .where(callbacks.c.phone == phone)).all()
        ids = [t.id for t in tasks]
        report["voice_messages_deleted"] = sum(recordings.remove(settings, t.recording_path) for t in tasks)
        report["open_tasks_closed"] = sum(t.status == "open" for t in tasks)
        # SMS of no task (answers to a number without an open callback) go; the rest lose number and text
        report["sms_deleted"] = conn.execute(sms_messages.delete().where(sms_messages.c.phone == phone)
                                             .where(sms_messages.c.callback_id.is_(None))).rowcount
        report["sms_stripped"] = conn.execute(sms_messages.update().where(sms_messages.c.phone == phone)
                                              .values(phone=None, body=None)).rowcount
        if ids:
            conn.execute(callbacks.update().where(callbacks.c.id.in_(ids)).where(callbacks.c.status == "open")
                         .values(status="closed", outcome="erased", closed_at=now))
            _strip_tasks(conn, ids, updated_at=now)
        report["tasks_stripped"] = len(ids)
        report["call_records_pseudonymised"] = conn.execute(
            calls.update().where(sa.or_(calls.c.caller == phone, calls.c.caller_hash == pseudonym))
            .values(caller=None, caller_hash=None)).rowcount
        pending = conn.execute(sa.select(events.c.id, events.c.payload).where(events.c.processed_at.is_(None))).all()
        doomed = [e.id for e in pending if phone in e.payload or json.dumps(phone) in e.payload]
        if doomed:
            conn.execute(events.delete().where(events.c.id.in_(doomed)))
        report["pending_events_deleted"] = len(doomed)
        audit.write(conn, actor, "privacy.erase", f"callbacks:{','.join(map(str, ids))}"[:96] if ids else None, now,
                    json.dumps(report, sort_keys=True))
    return report


def apply_retention(engine: Engine, settings: Settings, now: datetime) -> dict[str, int]:
    """Apply every retention rule once; return how many records each rule changed."""
    keep = settings.config.retention

    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    report: dict[str, int] = {}
    with engine.begin() as conn:
        # voice messages: gone when the task is closed, at the latest after recordings_days
        rows = conn.execute(sa.select(callbacks.c.id, callbacks.c.recording_path)
                            .where(callbacks.c.recording_path.is_not(None))
                            .where(sa.or_(callbacks.c.status == "closed",
                                          callbacks.c.created_at < before(keep.recordings_days)))).all()
        for task_id, name in rows:
            recordings.remove(settings, name)
            conn.execute(callbacks.update().where(callbacks.c.id == task_id).values(recording_path=None))
        report["voice_messages_deleted"] = len(rows)
        # call records: the caller's number goes, the keyed hash (repeat callers) stays
        report["caller_numbers_pseudonymised"] = conn.execute(
            calls.update().where(calls.c.caller.is_not(None))
            .where(calls.c.created_at < before(keep.caller_numbers_days)).values(caller=None)).rowcount
        # closed tasks: stripped once their period ends
        stale = sa.select(callbacks.c.id).where(callbacks.c.status == "closed") \
            .where(callbacks.c.closed_at < before(keep.closed_tasks_days)).where(callbacks.c.phone.is_not(None))
        ids = [r[0] for r in conn.execute(stale)]
        if ids:
            _strip_tasks(conn, ids)
        report["closed_tasks_stripped"] = len(ids)
        # SMS answers of no task (to a number without an open callback): kept as long as caller numbers
        report["sms_deleted"] = conn.execute(sms_messages.delete().where(sms_messages.c.callback_id.is_(None))
                                             .where(sms_messages.c.created_at < before(keep.caller_numbers_days))
                                             ).rowcount
        # intake events: applied ones after the failed-job period, dead letters after the closed-task period
        report["events_deleted"] = conn.execute(events.delete().where(sa.or_(
            events.c.processed_at < before(keep.failed_jobs_days),
            sa.and_(events.c.processed_at.is_(None), events.c.created_at < before(keep.closed_tasks_days))),
        )).rowcount
        # the live queue: ended waits and their steps; the staff status history (it describes people at work)
        report["queue_waits_deleted"] = conn.execute(queue_entries.delete().where(
            queue_entries.c.ended_at < before(keep.queue_days))).rowcount
        report["queue_steps_deleted"] = conn.execute(queue_log.delete().where(
            queue_log.c.at < before(keep.queue_days))).rowcount
        report["presence_changes_deleted"] = conn.execute(presence_history.delete().where(
            presence_history.c.at < before(keep.presence_days))).rowcount
        report["audit_entries_deleted"] = conn.execute(
            audit_log.delete().where(audit_log.c.at < before(keep.audit_days))).rowcount
    changed = {k: v for k, v in report.items() if v}
    if changed:
        log.info("retention: %s", ", ".join(f"{k}={v}" for k, v in changed.items()))
    return report
