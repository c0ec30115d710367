"""`ivr jobs failed` shows jobs that failed for good; `ivr jobs requeue` runs them again."""

from __future__ import annotations

import json

from rq import Queue

from ivr.store.db import events
from tests.support.clock import berlin


def _event(engine, kind: str, payload: dict) -> int:
    with engine.begin() as conn:
        return conn.execute(events.insert().values(
            kind=kind, call_sid="CA" + "7" * 32, dedupe_key=f"test:{kind}", payload=json.dumps(payload),
            created_at=berlin("2026-11-24 10:00"), attempts=0)).inserted_primary_key[0]


def test_failed_job_is_listed_and_requeued(engine, redis_conn, work, ivr):
    event_id = _event(engine, "status", {})  # no status: the job fails
    Queue("calls", connection=redis_conn).enqueue("workers.jobs.process_event", event_id,
                                                  job_id=f"event-{event_id}")  # no retries: straight to failed
    work()
    listed = ivr("jobs", "failed")
    assert listed.exit_code == 0
    assert f"event-{event_id}\tcalls\tworkers.jobs.process_event" in listed.output
    assert "KeyError" in listed.output
    with engine.begin() as conn:  # the cause is fixed
        conn.execute(events.update().where(events.c.id == event_id).values(payload=json.dumps({"status": "busy"})))
    assert ivr("jobs", "requeue", f"event-{event_id}").output.strip() == f"requeued event-{event_id}"
    work()
    with engine.connect() as conn:
        assert conn.execute(events.select().where(events.c.id == event_id)).mappings().one()["processed_at"]
    assert "0 failed job(s)" in ivr("jobs", "failed").output


def test_requeue_needs_ids_or_all(ivr, redis_conn):
    assert ivr("jobs", "requeue").exit_code == 2
    assert ivr("jobs", "requeue", "--all").output == ""
    unknown = ivr("jobs", "requeue", "event-424242")
    assert unknown.exit_code == 1 and "not in the failed-job registry: event-424242" in unknown.output
