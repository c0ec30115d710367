"""Run the hotline's RQ worker: jobs in this process (no fork per job), kept running through Redis outages."""

from __future__ import annotations

import logging
import time

import redis
from rq import Queue
from rq import SimpleWorker
from rq.worker import BaseWorker

from ivr.queue import QUEUE_NAMES

log = logging.getLogger(__name__)
PING_INTERVAL = 1.0
"""Seconds between two checks whether Redis is back."""


class HotlineWorker(SimpleWorker):
    """RQ's SimpleWorker: each job runs in the worker process itself, on the JobContext built once at start.

    RQ's default Worker forks a child per job, and each child built its own context (settings, database engine,
    Redis client): 0.3-1 s per job. Job timeouts still hold: RQ's SIGALRM death penalty works in the main thread
    where SimpleWorker runs the job. A worker killed mid-job is caught by the relay's reaper (workers/reaper.py).
    """


def _wait_for_redis(conn: redis.Redis) -> None:
    while True:
        try:
            conn.ping()
            return
        except redis.RedisError:
            time.sleep(PING_INTERVAL)


def work(conn: redis.Redis, burst: bool = False, worker_class: type[BaseWorker] = HotlineWorker) -> None:
    """Run a worker on the hotline's queues until it is told to stop; start a fresh one after a Redis outage."""
    while True:
        worker = worker_class([Queue(name, connection=conn) for name in QUEUE_NAMES], connection=conn)
        try:
            worker.work(burst=burst, with_scheduler=True, logging_level=logging.INFO)
        except (redis.ConnectionError, redis.TimeoutError) as exc:  # raised outside RQ's loop (start, teardown)
            log.warning("worker lost Redis: %s", type(exc).__name__)
        if burst or getattr(worker, "_shutdown_requested_date", None) is not None:
            return
        log.warning("worker %s quit without a stop request (Redis outage?); restarting when Redis answers",
                    worker.name)
        _wait_for_redis(conn)
