"""Retention: every rule proven on records just inside and just outside their period."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from rq import Queue

from ivr.hotline import callbacks
from ivr.hotline import calls
from ivr.hotline import privacy
from ivr.hotline import recordings
from ivr.hotline import users
from ivr.store.db import audit_log
from ivr.store.db import callbacks as tasks_table
from ivr.store.db import calls as calls_table
from ivr.store.db import events
from ivr.store.db import task_claims
from ivr.store.db import task_history
from workers import relay
from workers.context import build


def _task(conn, settings, clock, n: int, age_days: float, closed_days: float | None = None, message: bool = False):
    at = clock() - timedelta(days=age_days)
    task_id, _ = callbacks.create(conn, "info", f"+49176123456{n:02d}", "de", f"CA{n:032d}", at, at)
    if message:
        name = f"{task_id}-RE{n:032d}.wav"
        folder = recordings.folder(settings)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"RIFF")
        conn.execute(tasks_table.update().where(tasks_table.c.id == task_id).values(recording_path=name))
    if closed_days is not None:
        callbacks.close(conn, task_id, "resolved", clock() - timedelta(days=closed_days))
    return task_id


def _row(engine, table, row_id):
    with engine.connect() as conn:
        return conn.execute(sa.select(table).where(table.c.id == row_id)).mappings().one()


def test_voice_messages_go_when_the_task_closes_or_after_their_period(engine, settings, clock):
    days = settings.config.retention.recordings_days
    with engine.begin() as conn:
        open_fresh = _task(conn, settings, clock, 1, days - 1, message=True)
        open_old = _task(conn, settings, clock, 2, days + 1, message=True)
        closed_now = _task(conn, settings, clock, 3, 1, closed_days=0, message=True)
    report = privacy.apply_retention(engine, settings, clock())
    assert report["voice_messages_deleted"] == 2
    assert _row(engine, tasks_table, open_fresh)["recording_path"]
    for task_id in (open_old, closed_now):
        assert _row(engine, tasks_table, task_id)["recording_path"] is None
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
        recent = _task(conn, settings, clock, 1, days + 5, closed_days=days - 1)
        old = _task(conn, settings, clock, 2, days + 5, closed_days=days + 1)
        still_open = _task(conn, settings, clock, 3, days + 5)
        conn.execute(task_history.insert().values(callback_id=old, at=clock(), actor="user:1", kind="note",
                                                  note="rang +4917612345602 twice"))
    assert privacy.apply_retention(engine, settings, clock())["closed_tasks_stripped"] == 1
    assert _row(engine, tasks_table, recent)["phone"] and _row(engine, tasks_table, still_open)["phone"]
    stripped = _row(engine, tasks_table, old)
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


def test_failed_jobs_expire_within_the_retention_period(redis_conn, settings):
    from ivr.store import jobqueue as queue
    queue.enqueue_event(redis_conn, 1, settings.config.retention.failed_jobs_days * 86400)
    job = Queue("calls", connection=redis_conn).fetch_job("event-1")
    assert job.failure_ttl == settings.config.retention.failed_jobs_days * 86400
    assert tuple(job.args) == (1,)  # ids only: no phone number ever reaches Redis


def test_worker_schedules_the_sweep_once_per_slot(redis_conn, settings, work, engine, clock):
    env = build(settings)
    relay.schedule_retention(env, now=1_000_000.0)
    relay.schedule_retention(env, now=1_000_001.0)  # another worker, same slot
    maintenance = Queue("maintenance", connection=redis_conn)
    assert maintenance.job_ids == [f"retention-{int(1_000_000 // relay.RETENTION_INTERVAL)}"]
    with engine.begin() as conn:
        task = _task(conn, settings, clock, 1, 1, closed_days=0, message=True)
        claimed = _task(conn, settings, clock, 2, 0)
        user_id = users.create(conn, "anna", "a long test password", "staff", clock())
        conn.execute(task_claims.insert().values(callback_id=claimed, user_id=user_id,  # long before the job's "now"
                                                 claimed_at=datetime.now(UTC) - timedelta(days=1)))
    work()
    assert _row(engine, tasks_table, task)["recording_path"] is None
    with engine.connect() as conn:  # the same sweep frees claims nobody acted on
        assert conn.execute(sa.select(task_claims)).all() == []
        assert conn.execute(sa.select(task_history.c.kind).where(task_history.c.callback_id == claimed)).scalars() \
            .all() == ["claim_expired"]
    env.close()
