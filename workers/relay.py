"""The outbox relay: queues stored events that never reached Redis, imports spooled ones, and runs the live queue's
safety sweep."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import redis
from rq.job import Job
from sqlalchemy.exc import SQLAlchemyError

from ivr.container import Container
from ivr.store import jobqueue as queue
from ivr.store import outbox as events
from ivr.store.db import events as table
from workers import dispatch
from workers import reaper
from workers import sms

log = logging.getLogger(__name__)
RELAY_INTERVAL = 5.0
"""Seconds between two relay passes."""
RETENTION_INTERVAL = 15 * 60
"""Seconds between two retention sweeps (voice messages of closed tasks go within this time)."""
STALE_AFTER = timedelta(seconds=10)
"""An event queued this long ago, not processed, and without a job in Redis lost its job: queue it again."""


def _without_job(conn: redis.Redis, ids: list[int]) -> list[int]:
    pipe = conn.pipeline(transaction=False)
    for event_id in ids:
        pipe.exists(Job.key_for(queue.event_job_id(event_id)))
    return [event_id for event_id, exists in zip(ids, pipe.execute(), strict=True) if not exists]


def relay_once(env: Container, now: datetime | None = None) -> int:
    """Import spooled events, queue pending ones, rescue orphaned jobs; return how many events were queued."""
    now = now or datetime.now(UTC)
    if env.redis is None:
        return 0
    if env.spool_dir.is_dir():
        imported = events.import_spool(env.engine, env.cipher, env.spool_dir)
        if imported:
            log.info("imported %d spooled events", imported)
    keep = env.settings.config.retention.failed_jobs_days * 86400
    checked = events.pending(env.engine, now - STALE_AFTER, newer_than=now - timedelta(seconds=keep))
    count = 0
    for event_id in _without_job(env.redis, checked):  # queued jobs, retries and dead letters stay as they are
        if queue.enqueue_event(env.redis, event_id, keep):
            count += 1
    if checked:  # checked ones go to the back of the line
        with env.engine.begin() as conn:
            conn.execute(table.update().where(table.c.id.in_(checked)).values(enqueued_at=now))
    if count:
        log.info("relay queued %d events", count)
    reaper.requeue_orphans(env.redis)
    reaper.promote_overdue(env.redis)
    sms.sweep(env, now)  # SMS recorded while Redis or the worker was down: sent once now
    return count


def schedule_retention(env: Container, now: float | None = None) -> None:
    """Queue the retention sweep of the current 15-minute slot (once per slot, whichever worker is first)."""
    slot = int((now or time.time()) // RETENTION_INTERVAL)
    queue.enqueue_maintenance(env.redis, "workers.jobs.retention_sweep", job_id=f"retention-{slot}")


def sweep_queue(env: Container) -> None:
    """The live queue's safety sweep (workers.dispatch.sweep), by one worker of all in each period."""
    if env.redis is not None and dispatch.sweep_due(env.redis):
        try:
            dispatch.sweep(env)
        except (redis.RedisError, SQLAlchemyError, OSError):
            raise
        except Exception:  # a bug must not stop the relay thread (and with it the outbox)
            log.exception("queue sweep failed")


def run_forever(env: Container, stop: threading.Event, interval: float = RELAY_INTERVAL) -> None:
    """Relay until `stop` is set, and queue the retention sweep; between two relay passes, the live queue's sweep
    every SWEEP_SECONDS. Outages of Redis or the database only delay them."""
    next_relay = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_relay:
                next_relay = time.monotonic() + interval
                relay_once(env)
                if env.redis is not None:
                    schedule_retention(env)
            sweep_queue(env)
        except (redis.RedisError, SQLAlchemyError, OSError) as exc:
            log.warning("relay pass failed, will retry: %s", type(exc).__name__)
        stop.wait(min(interval, dispatch.SWEEP_SECONDS))
