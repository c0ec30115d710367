"""The relay queues events that never reached Redis or whose job Redis lost, and leaves live jobs alone."""

from __future__ import annotations

import json
from datetime import timedelta

from rq import Queue

from ivr.store import jobqueue as queue
from ivr.store.db import events
from workers import relay
from workers.context import build


def _event(engine, key: str, created, enqueued=None) -> int:
    with engine.begin() as conn:
        return conn.execute(events.insert().values(
            kind="status", call_sid="CA1", dedupe_key=key, payload=json.dumps({"status": "completed"}),
            created_at=created, enqueued_at=enqueued, attempts=0)).inserted_primary_key[0]


def test_relay_requeues_lost_jobs_only(engine, redis_conn, settings, clock, work):
    env = build(settings)
    now = clock()
    never = _event(engine, "never", now)
    lost = _event(engine, "lost", now - timedelta(minutes=1), enqueued=now - timedelta(minutes=1))
    live = _event(engine, "live", now - timedelta(minutes=1), enqueued=now - timedelta(minutes=1))
    fresh = _event(engine, "fresh", now, enqueued=now)  # queued a moment ago: not the relay's business yet
    expired = _event(engine, "expired", now - timedelta(days=settings.config.retention.failed_jobs_days + 1))
    queue.enqueue_event(redis_conn, live)
    assert relay.relay_once(env, now) == 2
    assert sorted(Queue("calls", connection=redis_conn).job_ids) == sorted(
        [queue.event_job_id(i) for i in (never, lost, live)])
    later = now + relay.STALE_AFTER * 2
    assert relay.relay_once(env, later) == 1  # "fresh" is stale now and has no job; the others are queued
    assert relay.relay_once(env, later + relay.STALE_AFTER * 2) == 0  # nothing twice
    work()
    with engine.connect() as conn:
        done = {r.id for r in conn.execute(events.select().where(events.c.processed_at.is_not(None)))}
    assert done == {never, lost, live, fresh} and expired not in done
    env.close()
