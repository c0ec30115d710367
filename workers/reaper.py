"""Rescue jobs RQ would leave alone for minutes: ones whose worker died, and retries nobody schedules."""

from __future__ import annotations

import logging
import os
import socket

import redis
from rq import Queue
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job
from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry
from rq.registry import StartedJobRegistry
from rq.utils import current_timestamp

from ivr.store.jobqueue import QUEUE_NAMES

log = logging.getLogger(__name__)
OVERDUE_SECONDS = 30
"""A scheduled retry this late has no live RQ scheduler (its lock died with a killed worker): queue it here."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_dead(conn: redis.Redis, worker_name: str, hostname: str | None = None) -> bool:
    """True when a worker is gone: no registration left, or its process on this host no longer exists."""
    info = conn.hgetall(Worker.redis_worker_namespace_prefix + worker_name)
    if not info:
        return True
    host = (info.get(b"hostname") or b"").decode()
    pid = (info.get(b"pid") or b"").decode()
    return host == (hostname or socket.gethostname()) and pid.isdigit() and not _alive(int(pid))


def requeue_orphans(conn: redis.Redis, queue_names: tuple[str, ...] = QUEUE_NAMES,
                    hostname: str | None = None) -> list[str]:
    """Queue again, at once, every started job whose worker died; return their ids."""
    requeued = []
    for name in queue_names:
        queue = Queue(name, connection=conn)
        registry = StartedJobRegistry(queue=queue)
        for job_id, execution_id in registry.get_job_and_execution_ids():
            try:
                execution = Execution.fetch(execution_id, job_id, conn)
                job = Job.fetch(job_id, connection=conn)
            except (ValueError, NoSuchJobError):
                continue  # finished in the meantime, or RQ's own cleanup will see to it
            # QUEUED too: a worker killed between taking the job and marking it started leaves it so
            status = job.get_status(refresh=False)
            if status not in (JobStatus.STARTED, JobStatus.QUEUED) or not worker_dead(conn, execution.worker_name,
                                                                                      hostname):
                continue
            if conn.zrem(registry.key, execution.composite_key):  # only one rescuer wins
                queue.enqueue_job(job)
                requeued.append(job_id)
                log.warning("job %s: worker %s died mid-job, queued again", job_id, execution.worker_name)
        registry.cleanup()  # heartbeats that ran out (a worker on another host): RQ retries or fails them
    return requeued


def promote_overdue(conn: redis.Redis, queue_names: tuple[str, ...] = QUEUE_NAMES,
                    late: int = OVERDUE_SECONDS) -> list[str]:
    """Queue scheduled retries that are overdue by `late` seconds; return their ids."""
    promoted = []
    for name in queue_names:
        queue = Queue(name, connection=conn)
        registry = ScheduledJobRegistry(queue=queue)
        for job_id in registry.get_jobs_to_schedule(current_timestamp() - late):
            if not conn.zrem(registry.key, job_id):
                continue  # the scheduler took it
            try:
                queue.enqueue_job(Job.fetch(job_id, connection=conn))
            except NoSuchJobError:
                continue
            promoted.append(job_id)
            log.warning("job %s: retry overdue, queued by the relay", job_id)
    return promoted
