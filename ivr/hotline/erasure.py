"""Erase on request: every record of one phone number removed or pseudonymised, with a report."""

from __future__ import annotations

import json
from datetime import datetime

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ivr.hotline import audit
from ivr.hotline import recordings
from ivr.settings import Settings
from ivr.store.cipher import Cipher
from ivr.store.db import callbacks
from ivr.store.db import calls
from ivr.store.db import events
from ivr.store.db import task_history


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
        if ids:
            conn.execute(callbacks.update().where(callbacks.c.id.in_(ids)).where(callbacks.c.status == "open")
                         .values(status="closed", outcome="erased", closed_at=now))
            conn.execute(callbacks.update().where(callbacks.c.id.in_(ids))
                         .values(phone=None, recording_path=None, updated_at=now))
            conn.execute(task_history.update().where(task_history.c.callback_id.in_(ids)).values(note=None))
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
