"""Retention in the worker: failed jobs expire, and the sweep is scheduled once per slot and runs the rules
(the rules themselves: tests/unit/hotline/test_privacy.py)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from rq import Queue

from ivr.hotline import users
from ivr.store.db import callbacks as tasks_table
from ivr.store.db import task_claims
from ivr.store.db import task_history
from tests.support.aged import aged_task
from tests.support.aged import row
from workers import relay
from workers.context import build


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
        task = aged_task(conn, settings, clock, 1, 1, closed_days=0, message=True)
        claimed = aged_task(conn, settings, clock, 2, 0)
        user_id = users.create(conn, "anna", "a long test password", "staff", clock())
        conn.execute(task_claims.insert().values(callback_id=claimed, user_id=user_id,  # long before the job's "now"
                                                 claimed_at=datetime.now(UTC) - timedelta(days=1)))
    work()
    assert row(engine, tasks_table, task)["recording_path"] is None
    with engine.connect() as conn:  # the same sweep frees claims nobody acted on
        assert conn.execute(sa.select(task_claims)).all() == []
        assert conn.execute(sa.select(task_history.c.kind).where(task_history.c.callback_id == claimed)).scalars() \
            .all() == ["claim_expired"]
    env.close()
