"""The only place that enqueues jobs (job ids derived from record ids, named queues, retries) and the one view of
jobs that failed for good (listed with phone numbers masked, queued again), for `ivr jobs` and the admin page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis
from rq import Queue
from rq import Retry
from rq.exceptions import DuplicateJobError
from rq.exceptions import InvalidJobOperation
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.registry import ScheduledJobRegistry
from rq.registry import StartedJobRegistry

from ivr.engine.phones import mask_text

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


DISPATCH_WANTED = "ivr:queue:dispatch:{desk}"
"""Redis flag: a dispatch of this desk was asked for (the one running then runs once more; see workers.dispatch)."""
DISPATCH_TTL = 300
"""Seconds a dispatch job may wait in the queue before it is dropped (the sweep asks again every few seconds)."""


def request_dispatch(conn: redis.Redis, desk: str) -> None:
    """Ask the worker to offer a desk's waiting callers to its free people (a caller joined, a person became
    available, an offer was missed, a call ended): sets the desk's flag and queues `workers.dispatch.dispatch`.

    Not unique: a job that is already running must run once more to see this change; the flag lets it (jobs that
    find another running dispatch of the desk leave it to that one). Not retried: the sweep asks again."""
    conn.set(DISPATCH_WANTED.format(desk=desk), "1", ex=DISPATCH_TTL)  # first: a running dispatch sees it
    Queue("calls", connection=conn).enqueue("workers.dispatch.dispatch", desk, ttl=DISPATCH_TTL, result_ttl=0,
                                            failure_ttl=FAILURE_TTL, job_timeout=120)


SMS_KINDS = ("confirm", "unreached", "received", "cancelled", "neutral")
"""What an SMS to a caller says (texts in flows/sms.yaml, sent by workers.sms.send)."""


def sms_job_id(task_id: int, kind: str) -> str:
    """The job id of one task's SMS of one kind: while it waits or runs, asking again queues nothing more."""
    return f"sms-{kind}-{int(task_id)}"


def request_sms(conn: redis.Redis, task_id: int, kind: str) -> bool:
    """Ask the worker to send a task's SMS (`workers.sms.send`); False when that job is queued already.

    Raises redis.RedisError when Redis is unavailable: an event handler calling this then fails and its event is
    applied again later (the outbox), so no SMS is lost. Sending twice is impossible either way: the job sends
    each SMS once by its dedupe key (`kind:task`) in sms_messages."""
    if kind not in SMS_KINDS:
        raise ValueError(f"unknown SMS kind {kind!r}")
    try:
        Queue("calls", connection=conn).enqueue(
            "workers.sms.send", int(task_id), kind, job_id=sms_job_id(task_id, kind), unique=True, retry=RETRY,
            failure_ttl=FAILURE_TTL, result_ttl=600, job_timeout=60)
    except DuplicateJobError:
        return False
    return True


def deliver_job_id(sms_id: int) -> str:
    """The job id of sending one SMS record."""
    return f"sms-deliver-{int(sms_id)}"


def request_sms_delivery(conn: redis.Redis, sms_id: int) -> bool:
    """Queue the sending of an SMS already recorded as pending (`workers.sms.deliver`); False when queued already.
    A record whose job is lost (Redis down) is queued again by the relay's sweep (workers.sms.sweep)."""
    try:
        Queue("calls", connection=conn).enqueue(
            "workers.sms.deliver", int(sms_id), job_id=deliver_job_id(sms_id), unique=True, retry=RETRY,
            failure_ttl=FAILURE_TTL, result_ttl=600, job_timeout=60)
    except DuplicateJobError:
        return False
    return True


def enqueue_maintenance(conn: redis.Redis, func: str, *args: object, job_id: str | None = None) -> None:
    """Queue a maintenance job (downloads, retention) by dotted name, with plain arguments only."""
    queue = Queue("maintenance", connection=conn)
    try:
        queue.enqueue(func, *args, job_id=job_id, unique=bool(job_id), retry=RETRY, failure_ttl=FAILURE_TTL,
                      job_timeout=600)
    except DuplicateJobError:
        pass


@dataclass(frozen=True)
class FailedJob:
    """What anyone is shown of a failed job: ids, plain arguments and the error's last line, numbers masked."""

    queue: str
    id: str
    func: str
    args: str
    ended_at: datetime | None
    error: str


@dataclass(frozen=True)
class QueueCounts:
    """Jobs of one queue by state."""

    name: str
    queued: int
    started: int
    retrying: int
    failed: int


FAILED_SHOWN = 200
"""Failed jobs listed per queue (newest first)."""


def _failed_job(queue: str, job: Job) -> FailedJob:
    result = job.latest_result()
    lines = [line for line in ((result.exc_string if result else None) or "").strip().splitlines() if line.strip()]
    args = ", ".join(str(a) for a in job.args if isinstance(a, int | str))[:80]
    return FailedJob(queue, job.id, job.func_name, mask_text(args), job.ended_at,
                     mask_text(lines[-1].strip() if lines else "")[:300])


def failed_jobs(conn: redis.Redis, queues: tuple[str, ...] = QUEUE_NAMES, limit: int = FAILED_SHOWN) -> list[FailedJob]:
    """The jobs in each queue's failed-job registry, newest first (at most `limit` a queue), phone numbers masked."""
    found = []
    for name in queues:
        queue = Queue(name, connection=conn)
        ids = FailedJobRegistry(queue=queue).get_job_ids(0, limit - 1, desc=True)
        found += [_failed_job(name, job) for job in Job.fetch_many(ids, connection=conn) if job is not None]
    return found


def retrying_jobs(conn: redis.Redis, queues: tuple[str, ...] = QUEUE_NAMES,
                  limit: int = FAILED_SHOWN) -> list[FailedJob]:
    """The jobs waiting for a retry after an error (each queue's scheduled registry), shown like failed ones."""
    found = []
    for name in queues:
        ids = ScheduledJobRegistry(queue=Queue(name, connection=conn)).get_job_ids(0, limit - 1)
        found += [_failed_job(name, job) for job in Job.fetch_many(ids, connection=conn) if job is not None]
    return found


def queue_counts(conn: redis.Redis) -> list[QueueCounts]:
    """Queued, started, retrying and failed jobs of every queue."""
    counts = []
    for name in QUEUE_NAMES:
        queue = Queue(name, connection=conn)
        counts.append(QueueCounts(name, queue.count, StartedJobRegistry(queue=queue).count,
                                  ScheduledJobRegistry(queue=queue).count, FailedJobRegistry(queue=queue).count))
    return counts


def requeue_failed(conn: redis.Redis, job_ids: list[str] | None = None,
                   queues: tuple[str, ...] = QUEUE_NAMES) -> list[str]:
    """Queue failed jobs of `queues` again: those named, or all when job_ids is None; return the ids re-queued."""
    done = []
    for name in queues:
        registry = FailedJobRegistry(queue=Queue(name, connection=conn))
        for job_id in registry.get_job_ids() if job_ids is None else job_ids:
            try:
                registry.requeue(job_id)
            except (NoSuchJobError, InvalidJobOperation):  # not failed in this queue, or gone meanwhile
                continue
            done.append(job_id)
    return done
