"""Privacy: erasure of one number on request, and every retention rule proven just inside and outside its period."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ivr.hotline import calls
from ivr.hotline import presence
from ivr.hotline import privacy
from ivr.hotline import queueing
from ivr.hotline import recordings
from ivr.hotline import users
from ivr.store.cipher import Cipher
from ivr.store.db import audit_log
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import calls as calls_table
from ivr.store.db import events
from ivr.store.db import queue_entries
from ivr.store.db import queue_log
from ivr.store.db import task_history
from tests.support.aged import aged_task
from tests.support.aged import row

NUMBER = "+4917612345678"


@pytest.mark.parametrize("raw", ["+49 176 1234 5678", "0049 176 12345678", "0176/1234-5678", " 017612345678 "])
def test_normalise_reads_the_usual_ways_of_writing_a_number(raw):
    assert privacy.normalise(raw) == NUMBER


@pytest.mark.parametrize("raw", ["hello", "", "+49"])
def test_normalise_refuses_what_is_not_a_number(raw):
    assert privacy.normalise(raw) is None



def test_erase_strips_every_task_of_the_number_and_closes_only_the_open_ones(engine, settings, clock):
    with engine.begin() as conn:
        open_id = aged_task(conn, settings, clock, 78, 1, message=True)
        closed_id = aged_task(conn, settings, clock, 77, 1, closed_days=0)
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == closed_id).values(phone=NUMBER))
        conn.execute(task_history.insert().values(callback_id=closed_id, at=clock(), actor="anna", kind="note",
                                                  note="called back, wife answered"))
        other = aged_task(conn, settings, clock, 11, 1)
        calls.ensure(conn, "CAold", clock())  # its number went at retention; the pseudonym still finds it
        conn.execute(calls_table.update().where(calls_table.c.call_sid == "CAold")
                     .values(caller_hash=Cipher(settings.secret_key).pseudonym(NUMBER)))
        for key, processed in (("waiting", None), ("applied", clock())):
            conn.execute(events.insert().values(kind="status", call_sid="CA1", dedupe_key=key, attempts=0,
                                                payload=json.dumps({"from": NUMBER}), created_at=clock(),
                                                processed_at=processed))
    report = privacy.erase(engine, settings, "0176 12345678", "cli:privacy", clock())
    assert report == {"voice_messages_deleted": 1, "open_tasks_closed": 1, "tasks_stripped": 2,
                      "sms_deleted": 0, "sms_stripped": 0, "call_records_pseudonymised": 1, "pending_events_deleted": 1}
    erased, kept = row(engine, callbacks_table, open_id), row(engine, callbacks_table, closed_id)
    assert (erased["status"], erased["outcome"], erased["phone"], erased["recording_path"]) == \
        ("closed", "erased", None, None)
    assert (kept["outcome"], kept["phone"]) == ("resolved", None)  # a closed task keeps what it was closed with
    assert row(engine, callbacks_table, other)["phone"] == "+4917612345611"
    with engine.connect() as conn:
        assert conn.execute(sa.select(task_history.c.note).where(task_history.c.note.is_not(None))).all() == []
        assert conn.execute(sa.select(calls_table.c.caller_hash)).scalars().all() == [None]
        assert conn.execute(sa.select(events.c.dedupe_key)).scalars().all() == ["applied"]
        detail = conn.execute(sa.select(audit_log.c.detail).where(audit_log.c.action == "privacy.erase")).scalar()
    assert json.loads(detail)["tasks_stripped"] == 2 and "12345678" not in detail


def test_erase_refuses_text_that_is_not_a_number(engine, settings, clock):
    with pytest.raises(ValueError, match="not a phone number"):
        privacy.erase(engine, settings, "hello", "cli:privacy", clock())




def test_voice_messages_go_when_the_task_closes_or_after_their_period(engine, settings, clock):
    days = settings.config.retention.recordings_days
    with engine.begin() as conn:
        open_fresh = aged_task(conn, settings, clock, 1, days - 1, message=True)
        open_old = aged_task(conn, settings, clock, 2, days + 1, message=True)
        closed_now = aged_task(conn, settings, clock, 3, 1, closed_days=0, message=True)
    report = privacy.apply_retention(engine, settings, clock())
    assert report["voice_messages_deleted"] == 2
    assert row(engine, callbacks_table, open_fresh)["recording_path"]
    for task_id in (open_old, closed_now):
        assert row(engine, callbacks_table, task_id)["recording_path"] is None
    assert sorted(p.name for p in recordings.folder(settings).iterdir()) == [f"{open_fresh}-RE{1:032d}.wav"]


def test_caller_numbers_of_call_records_are_pseudonymised(engine, settings, clock):
    days = settings.config.retention.caller_numbers_days
    with engine.begin() as conn:
        for n, age in ((1, days - 0.5), (2, days + 0.5)):
            at = clock() - timedelta(days=age)
            calls.ensure(conn, f"CA{n}", at)
            conn.execute(calls_table.update().where(calls_table.c.call_sid == f"CA{n}")
                         .values(caller=f"+4917612345{n:03d}", caller_hash=f"hash{n}"))
    assert privacy.apply_retention(engine, settings, clock())["caller_numbers_pseudonymised"] == 1
    with engine.connect() as conn:
        rows = {r.call_sid: r for r in conn.execute(sa.select(calls_table))}
    assert rows["CA1"].caller == "+4917612345001"
    assert rows["CA2"].caller is None and rows["CA2"].caller_hash == "hash2"  # repeat callers still countable


def test_closed_tasks_lose_personal_data_but_keep_statistics(engine, settings, clock):
    days = settings.config.retention.closed_tasks_days
    with engine.begin() as conn:
        recent = aged_task(conn, settings, clock, 1, days + 5, closed_days=days - 1)
        old = aged_task(conn, settings, clock, 2, days + 5, closed_days=days + 1)
        still_open = aged_task(conn, settings, clock, 3, days + 5)
        conn.execute(task_history.insert().values(callback_id=old, at=clock(), actor="user:1", kind="note",
                                                  note="rang +4917612345602 twice"))
    assert privacy.apply_retention(engine, settings, clock())["closed_tasks_stripped"] == 1
    assert row(engine, callbacks_table, recent)["phone"] and row(engine, callbacks_table, still_open)["phone"]
    stripped = row(engine, callbacks_table, old)
    assert stripped["phone"] is None and stripped["recording_path"] is None
    assert (stripped["desk"], stripped["outcome"], stripped["status"]) == ("info", "resolved", "closed")
    with engine.connect() as conn:
        notes = conn.execute(sa.select(task_history.c.kind, task_history.c.note)
                             .where(task_history.c.callback_id == old).order_by(task_history.c.id)).all()
    assert notes == [("close", None), ("note", None)]


def test_events_and_audit_log_have_their_own_periods(engine, settings, clock):
    keep = settings.config.retention
    now = clock()
    with engine.begin() as conn:
        def event(key, created_days, processed_days):
            conn.execute(events.insert().values(
                kind="status", call_sid="CA1", dedupe_key=key, payload=json.dumps({"from": "+4917612345678"}),
                created_at=now - timedelta(days=created_days), attempts=0,
                processed_at=None if processed_days is None else now - timedelta(days=processed_days)))
        event("applied-recent", 1, keep.failed_jobs_days - 1)
        event("applied-old", 30, keep.failed_jobs_days + 1)
        event("dead-letter-old", keep.closed_tasks_days + 1, None)
        event("waiting", 1, None)
        for key, age in (("recent", keep.audit_days - 1), ("old", keep.audit_days + 1)):
            conn.execute(audit_log.insert().values(at=now - timedelta(days=age), actor="cli", action=key))
    report = privacy.apply_retention(engine, settings, now)
    assert report["events_deleted"] == 2 and report["audit_entries_deleted"] == 1
    with engine.connect() as conn:
        assert sorted(conn.execute(sa.select(events.c.dedupe_key)).scalars()) == ["applied-recent", "waiting"]
        assert conn.execute(sa.select(audit_log.c.action)).scalars().all() == ["recent"]


def test_queue_waits_and_staff_status_history_have_their_own_periods(engine, settings, clock):
    keep = settings.config.retention
    now = clock()
    with engine.begin() as conn:
        anna = users.create(conn, "anna", "a long test password", "staff", now, phone="+4920212345")
        for sid, days in (("CAold", keep.queue_days + 1), ("CArecent", keep.queue_days - 1)):
            at = now - timedelta(days=days)
            queueing.join(conn, sid, "info", "ar", at)
            queueing.finish(conn, sid, "abandoned", at)
        waiting = queueing.join(conn, "CAwaiting", "info", "de", now - timedelta(days=keep.queue_days + 1))
        for status, days in (("available", keep.presence_days + 1), ("paused", keep.presence_days - 1)):
            presence.set_status(conn, anna, status, now - timedelta(days=days))
    report = privacy.apply_retention(engine, settings, now)
    assert report["queue_waits_deleted"] == 1 and report["presence_changes_deleted"] == 1
    with engine.connect() as conn:
        assert sorted(conn.execute(sa.select(queue_entries.c.call_sid)).scalars()) == ["CArecent", "CAwaiting"]
        assert sorted(conn.execute(sa.select(queue_log.c.call_sid).distinct()).scalars()) == ["CArecent"]
        assert [c.status for c in presence.history(conn, anna, now)] == ["paused"]
        assert queueing.entry(conn, "CAwaiting") == waiting  # a caller still waiting is never deleted
