"""Webhooks wait only for the commit: their events' jobs are queued by a background thread, after the call's
nodes reached Redis, and the relay keeps what a process could not queue."""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from rq.job import Job

from ivr.store import callpaths as tracker
from ivr.store import jobqueue as queue
from ivr.store.db import events


def _job_exists(redis_conn, event_id: int) -> bool:
    return bool(redis_conn.exists(Job.key_for(queue.event_job_id(event_id))))


def test_the_thread_queues_a_webhooks_events_without_being_asked(app, redis_conn):
    intake = app.extensions["ivr.web.voice"].intake
    now = datetime.now(UTC)
    first, second = intake.submit_many([("status", "CA" + "1" * 32, "status:a", {"status": "ringing"}),
                                        ("status", "CA" + "1" * 32, "status:b", {"status": "completed"})], now)
    deadline = time.monotonic() + 30  # a generous bound for a busy machine; no duration is asserted
    while not (_job_exists(redis_conn, first) and _job_exists(redis_conn, second)):
        assert time.monotonic() < deadline, "the jobs were never queued"
        time.sleep(0.01)
    assert redis_conn.lrange("rq:queue:calls", 0, -1) == [f"event-{first}".encode(), f"event-{second}".encode()]


def test_jobs_are_queued_after_the_calls_nodes(app, redis_conn, monkeypatch):
    """The status job reads the call's path from Redis: this process's nodes are written before its job is queued."""
    monkeypatch.setattr(tracker, "FLUSH_SECONDS", 3600)  # the tracker's own thread never gets to write them
    svc = app.extensions["ivr.web.voice"]
    sid = "CA" + "2" * 32
    svc.tracker.add(sid, "de", "v1", "", None, ("greeting", "language"), 0)
    seen = []
    enqueue = queue.enqueue_events
    monkeypatch.setattr(queue, "enqueue_events", lambda conn, ids, ttl: (
        seen.append(conn.zcard(f"ivr:call:{sid}:path")), enqueue(conn, ids, ttl)))
    (event_id,) = svc.intake.submit_many([("status", sid, "status:c", {"status": "completed"})], datetime.now(UTC))
    svc.intake.flush()
    assert seen == [2] and _job_exists(redis_conn, event_id)


def test_without_redis_the_rows_are_left_for_the_relays_next_pass(app, redis_conn, engine):
    svc = app.extensions["ivr.web.voice"]
    svc.container.breaker.trip()
    (event_id,) = svc.intake.submit_many([("status", "CA" + "3" * 32, "status:d", {"status": "busy"})],
                                         datetime.now(UTC))
    assert svc.intake.flush() == 0 and not _job_exists(redis_conn, event_id)
    with engine.connect() as conn:  # never queued: the relay takes it at once, not only once it is stale
        assert conn.execute(sa.select(events.c.enqueued_at).where(events.c.id == event_id)).scalar() is None


def test_a_batch_that_redis_refuses_is_left_for_the_relay(app, redis_conn, engine, monkeypatch):
    svc = app.extensions["ivr.web.voice"]
    monkeypatch.setattr(tracker, "FLUSH_SECONDS", 3600)

    def refused(*args):
        import redis
        raise redis.ConnectionError("gone")

    monkeypatch.setattr(queue, "enqueue_events", refused)
    ids = svc.intake.submit_many([("status", "CA" + "4" * 32, f"status:{n}", {"status": "busy"}) for n in "ef"],
                                 datetime.now(UTC))
    svc.intake.flush()
    with engine.connect() as conn:
        assert conn.execute(sa.select(events.c.enqueued_at).where(events.c.id.in_(ids))).scalars().all() == [None] * 2
    assert not svc.container.breaker.closed  # the next webhooks do not try Redis either until it answers again
