"""Erasure and retention cover the callers' SMS: texts and numbers of a task's SMS go with the task's personal data,
a caller's SMS replies (notes) with its notes, SMS of no task go after the caller-number period."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ivr.hotline import callbacks
from ivr.hotline import privacy
from ivr.hotline import sms
from ivr.store.db import sms_messages
from ivr.store.db import task_history

NUMBER, OTHER = "+4917612345678", "+4915112345679"


def _sms_rows(engine):
    with engine.connect() as conn:
        return {r.dedupe_key: (r.phone, r.body, r.status) for r in conn.execute(sa.select(sms_messages))}


def _setup(engine, clock):
    now = clock()
    with engine.begin() as conn:
        task_id, _ = callbacks.create(conn, "info", NUMBER, "ar", "CA" + "1" * 32, now, now + timedelta(days=1))
        other_id, _ = callbacks.create(conn, "info", OTHER, "de", "CA" + "2" * 32, now, now + timedelta(days=1))
        for key, task, phone in ((f"confirm:{task_id}", task_id, NUMBER), ("neutral:x", None, NUMBER),
                                 (f"confirm:{other_id}", other_id, OTHER), ("neutral:y", None, OTHER)):
            sms_id = sms.reserve(conn, key, task, key.partition(":")[0], phone, "ar", now)
            sms.claim(conn, sms_id, "Text " + phone, now)
        callbacks.record_step(conn, task_id, "caller", "sms_reply", now, note="Bitte nach 14 Uhr, " + NUMBER)
    return task_id, other_id


def test_erasure_takes_the_numbers_sms_and_replies(engine, settings, clock):
    task_id, other_id = _setup(engine, clock)
    report = privacy.erase(engine, settings, "0176 12345678", "cli:privacy", clock())
    assert (report["sms_deleted"], report["sms_stripped"]) == (1, 1)
    assert _sms_rows(engine) == {f"confirm:{task_id}": (None, None, "sending"),
                                 f"confirm:{other_id}": (OTHER, "Text " + OTHER, "sending"),
                                 "neutral:y": (OTHER, "Text " + OTHER, "sending")}
    with engine.connect() as conn:
        notes = conn.execute(sa.select(task_history.c.note).where(task_history.c.kind == "sms_reply")).scalars().all()
    assert notes == [None]


def test_retention_strips_closed_tasks_sms_and_deletes_old_answers_of_no_task(engine, settings, clock):
    task_id, other_id = _setup(engine, clock)
    with engine.begin() as conn:
        callbacks.close(conn, task_id, "cancelled_by_caller", clock(), actor="sms")
    clock.advance(days=settings.config.retention.caller_numbers_days + 1)
    report = privacy.apply_retention(engine, settings, clock())
    assert report["sms_deleted"] == 2  # the answers of no task, older than the caller-number period
    assert set(_sms_rows(engine)) == {f"confirm:{task_id}", f"confirm:{other_id}"}
    clock.advance(days=settings.config.retention.closed_tasks_days)
    report = privacy.apply_retention(engine, settings, clock())
    assert report["closed_tasks_stripped"] == 1
    assert _sms_rows(engine) == {f"confirm:{task_id}": (None, None, "sending"),
                                 f"confirm:{other_id}": (OTHER, "Text " + OTHER, "sending")}  # still open
