"""What a job costs the worker, counted rather than timed (bench/burst.py times it): Redis round trips of the
worker's loop, SQL statements per event; and that the round trips it saves keep RQ's guarantees."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime

import pytest
import redis.connection
import sqlalchemy as sa
from rq import Queue
from rq import get_current_job
from rq import suspension

from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import calls as calls_table
from ivr.store.db import events
from workers import context
from workers import jobs
from workers import runner

JOBS = 20


def suspend_workers() -> None:
    """A job that suspends RQ's workers (as `rq suspend` would) while it runs."""
    suspension.suspend(get_current_job().connection)


@pytest.fixture
def round_trips(monkeypatch):
    """Count the requests this process sends to Redis (a pipeline is one)."""
    sent = [0]
    send = redis.connection.AbstractConnection.send_packed_command

    def counted(self, command, *args, **kwargs):
        sent[0] += 1
        return send(self, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    return sent


def test_a_job_costs_the_worker_five_redis_round_trips(redis_conn, round_trips):
    """RQ's own SimpleWorker sends 20 per job (three unpipelined heartbeats, state written twice...)."""
    queue = Queue("calls", connection=redis_conn)

    def burst(jobs: int) -> int:  # the worker's start and end cost the same in both runs
        for _ in range(jobs):
            queue.enqueue("os.getpid", result_ttl=600)
        before = round_trips[0]
        runner.work(redis_conn, burst=True)
        assert queue.count == 0
        return round_trips[0] - before

    burst(1)  # the first start also cleans registries
    few = burst(1)
    assert [(burst(1 + JOBS) - few) / JOBS for _ in range(2)] == [5, 5]


def test_a_heartbeat_skipped_never_leaves_the_registration_short(redis_conn):
    worker = runner.HotlineWorker([Queue("calls", connection=redis_conn)], connection=redis_conn)
    worker.register_birth()
    try:
        with redis_conn.pipeline() as pipe:  # a job's start sets the job's timeout plus a minute
            worker.heartbeat(180, pipeline=pipe)
            pipe.execute()
        assert redis_conn.ttl(worker.key) <= 180
        worker.heartbeat()  # before waiting on the queue (up to worker_ttl): extended, not skipped
        assert redis_conn.ttl(worker.key) > worker.worker_ttl
        redis_conn.expire(worker.key, worker.worker_ttl + 55)
        worker.heartbeat()  # would add 5 s: skipped
        assert redis_conn.ttl(worker.key) <= worker.worker_ttl + 55
    finally:
        worker.register_death()


def test_a_suspension_during_a_job_stops_the_next_one(redis_conn):
    """The suspension flag read with the job's end round trip still holds the worker (here: a burst ends)."""
    queue = Queue("calls", connection=redis_conn)
    queue.enqueue(suspend_workers, result_ttl=600)
    waiting = queue.enqueue("os.getpid", result_ttl=600)
    try:
        runner.work(redis_conn, burst=True)
        assert queue.job_ids == [waiting.id]
    finally:
        suspension.resume(redis_conn)
    runner.work(redis_conn, burst=True)
    assert queue.count == 0


def test_a_job_with_dependents_still_releases_them(redis_conn):
    """The success write skips RQ's WATCH of dependents (hotline jobs have none), not the dependents themselves."""
    queue = Queue("calls", connection=redis_conn)
    first = queue.enqueue("os.getpid", result_ttl=600)
    second = queue.enqueue("os.getpid", depends_on=first, result_ttl=600)
    assert second.get_status() == "deferred"
    runner.work(redis_conn, burst=True)
    assert (first.get_status(), second.get_status()) == ("finished", "finished")


def _event(engine, kind: str, sid: str, payload: dict) -> int:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        return conn.execute(events.insert().values(kind=kind, call_sid=sid, dedupe_key=f"{kind}:{sid}",
                                                   created_at=now, attempts=0, payload=json.dumps(payload))
                            ).inserted_primary_key[0]


def test_an_event_costs_few_statements_and_applies_once(engine, settings, monkeypatch):
    """A callback request: 8 statements at a queue desk (its queue entry is read: a caller who waited keeps their
    place; a new task's reference is written from its id), 7 at others; a final status: 4. Run again, each changes
    nothing."""
    env = context.build(settings)
    monkeypatch.setattr(context, "get", lambda: env)
    statements: list[str] = []
    sa.event.listen(env.apply_engine, "before_cursor_execute",
                    lambda _c, _cur, sql, *_: statements.append(sql.split()[0].upper()))
    sid, now = "CA" + "c" * 32, datetime.now(UTC).isoformat()
    callback = _event(engine, "callback", sid, {"desk": "info", "phone": "+4917612345640", "language": "de",
                                                "version": None, "at": now, "path": ["greeting", "lang"]})
    status = _event(engine, "status", sid, {"status": "completed", "duration": "42", "from": "+4917612345640",
                                            "received_at": now})
    try:
        assert jobs.process_event(callback) == "callback"
        assert statements == ["SELECT", "SELECT", "SELECT", "INSERT", "UPDATE", "SELECT", "INSERT", "UPDATE"]
        statements.clear()
        assert jobs.process_event(status) == "status"
        assert statements == ["SELECT", "SELECT", "UPDATE", "UPDATE"]
        assert jobs.process_event(callback) == jobs.process_event(status) == "done already"
    finally:
        env.close()
    with engine.connect() as conn:
        task = conn.execute(sa.select(callbacks_table)).mappings().one()
        call = conn.execute(sa.select(calls_table)).mappings().one()
    assert (task["call_sid"], task["desk"], task["phone"], task["status"]) == (sid, "info", "+4917612345640", "open")
    assert (call["status"], call["outcome"], call["desk"], call["caller"], call["duration"]) == (
        "completed", "callback_requested", "info", "+4917612345640", 42)
    assert json.loads(call["path"]) == ["greeting", "lang"]
