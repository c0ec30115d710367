"""The only place that enqueues jobs: job ids derived from record ids, named queues, retries."""

from __future__ import annotations

import redis
from rq import Queue
from rq import Retry
from rq.exceptions import DuplicateJobError

QUEUE_NAMES = ("calls", "maintenance")
"""Queues the worker listens on, most urgent first."""
RETRY = Retry(max=5, interval=[10, 30, 60, 120, 300])
"""Back-off for jobs that fail (database down, Twilio unreachable)."""
FAILURE_TTL = 7 * 24 * 3600
"""Seconds a failed job stays in the failed-job registry (overridden by retention.failed_jobs_days)."""


def event_job_id(event_id: int) -> str:
    """Return the job id of an intake event; the same event never runs as two jobs at once."""
    return f"event-{event_id}"


def enqueue_event(conn: redis.Redis, event_id: int, failure_ttl: int = FAILURE_TTL) -> bool:
    """Queue processing of one stored event; False when it is queued already."""
    queue = Queue("calls", connection=conn)
    try:
        queue.enqueue("workers.jobs.process_event", event_id, job_id=event_job_id(event_id), unique=True,
                      retry=RETRY, failure_ttl=failure_ttl, result_ttl=600, job_timeout=120)
    except DuplicateJobError:
        return False
    return True


def enqueue_events(conn: redis.Redis, event_ids: list[int], failure_ttl: int = FAILURE_TTL) -> None:
    """Queue the jobs of freshly stored events in one round trip (one MULTI/EXEC pipeline).

    Not `unique` (RQ's unique enqueue is a script per job): a fresh event's id is new, and the only other enqueuer,
    the relay, takes an event only once it is STALE_AFTER old without a job; should both ever queue one, the job
    runs twice, and process_event is idempotent (a processed event is skipped)."""
    queue = Queue("calls", connection=conn)
    queue.enqueue_many([Queue.prepare_data("workers.jobs.process_event", (event_id,), job_id=event_job_id(event_id),
                                           retry=RETRY, failure_ttl=failure_ttl, result_ttl=600, timeout=120)
                        for event_id in event_ids])


def enqueue_maintenance(conn: redis.Redis, func: str, *args: object, job_id: str | None = None) -> None:
    """Queue a maintenance job (downloads, retention) by dotted name, with plain arguments only."""
    queue = Queue("maintenance", connection=conn)
    try:
        queue.enqueue(func, *args, job_id=job_id, unique=bool(job_id), retry=RETRY, failure_ttl=FAILURE_TTL,
                      job_timeout=600)
    except DuplicateJobError:
        pass
