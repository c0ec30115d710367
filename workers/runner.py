"""Run the hotline's RQ worker: jobs in this process (no fork per job), kept running through Redis outages."""

from __future__ import annotations

import logging
import os
import time

import redis
from redis.client import Pipeline
from rq import Queue
from rq import SimpleWorker
from rq.executions import Execution
from rq.job import Job
from rq.job import JobStatus
from rq.registry import StartedJobRegistry
from rq.suspension import WORKERS_SUSPENDED
from rq.utils import now as rq_now
from rq.worker import BaseWorker
from rq.worker import WorkerStatus

from ivr.store.jobqueue import QUEUE_NAMES

log = logging.getLogger(__name__)
PING_INTERVAL = 1.0
"""Seconds between two checks whether Redis is back."""
HEARTBEAT_SLACK = 10
"""A heartbeat that would extend the worker's registration (minutes) by less than this is not sent."""


class HotlineWorker(SimpleWorker):
    """RQ's SimpleWorker: each job runs in the worker process itself, on the container built once at start.

    RQ's default Worker forks a child per job, and each child built its own context (settings, database engine,
    Redis client): 0.3-1 s per job. Job timeouts still hold: RQ's SIGALRM death penalty works in the main thread
    where SimpleWorker runs the job. A worker killed mid-job is caught by the relay's reaper (workers/reaper.py).

    Five Redis round trips per job instead of RQ's 20 (each 0.1-1 ms of the worker's and Redis' time, most of it
    in the kernel): take the job, read it, start it, finish it, be idle. A heartbeat that would extend the
    worker's registration by less than HEARTBEAT_SLACK seconds is skipped (RQ sends three unpipelined ones per
    job; the registration lives minutes), an unchanged state is not written again, the execution record goes with
    the job's start, the success write does without RQ's WATCH of dependents, and the idle state, heartbeat and
    suspension check after a job go in one pipeline. What is written stays RQ's (registries, execution, job
    status, result), so RQ's tools, the reaper and the job monitor read it as before. RQ's per-job INFO lines are
    off (four a job: dequeued, completed, OK, result kept); failures are still logged.
    """

    log_result_lifespan = False
    _alive_until = 0.0  # monotonic time until which the worker's registration lives, as last set
    _starting: Pipeline | None = None  # the execution record, sent with the job's start
    _suspended: int | None = None  # the suspension flag read right after the last job

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        """RQ's heartbeat; on its own (not in a pipeline) only when it extends the registration noticeably."""
        timeout = timeout or self.worker_ttl + 60
        now = time.monotonic()
        if pipeline is None:
            if self._alive_until - now >= timeout - HEARTBEAT_SLACK:
                return
            with self.connection.pipeline(transaction=False) as pipe:  # one round trip instead of three
                super().heartbeat(timeout, pipeline=pipe)
                pipe.execute()
        else:
            super().heartbeat(timeout, pipeline=pipeline)
        self._alive_until = now + timeout

    def set_state(self, state: str, pipeline: Pipeline | None = None) -> None:
        """RQ's set_state, without a round trip when the state is already that."""
        if pipeline is None and state == self._state:
            return
        super().set_state(state, pipeline=pipeline)

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run the job here; then mark the worker idle and alive and read the suspension flag in one round trip."""
        execution = self.prepare_execution(job)
        self.perform_job(job, queue, execution)
        with self.connection.pipeline(transaction=False) as pipe:
            self.set_state(WorkerStatus.IDLE, pipeline=pipe)
            self.heartbeat(pipeline=pipe)
            pipe.exists(WORKERS_SUSPENDED)
            self._suspended = pipe.execute()[-1]

    def check_for_suspension(self, burst: bool) -> None:
        """RQ's check, unless the round trip that ended the job a moment ago found no suspension."""
        suspended, self._suspended = self._suspended, None
        if suspended == 0:
            return
        super().check_for_suspension(burst)

    def prepare_execution(self, job: Job) -> Execution:
        """RQ's execution record and busy state, queued to go with the job's start (prepare_job_execution)."""
        pipe = self.connection.pipeline()
        execution = Execution.create(job, self.get_heartbeat_ttl(job), pipeline=pipe, worker_name=self.name)
        self.executions[execution.id] = execution
        self.set_state(WorkerStatus.BUSY, pipeline=pipe)
        self._starting = pipe
        return execution

    def prepare_job_execution(self, job: Job, remove_from_intermediate_queue: bool = False) -> None:
        """RQ's start of a job (heartbeats, status started), in one transaction with the execution record."""
        pipe, self._starting = self._starting, None
        if pipe is None:
            super().prepare_job_execution(job, remove_from_intermediate_queue)
            return
        with pipe:
            ttl = self.get_heartbeat_ttl(job)
            self.heartbeat(ttl, pipeline=pipe)
            job.heartbeat(rq_now(), ttl, pipeline=pipe)
            job.prepare_for_execution(self.name, pipeline=pipe)
            pipe.persist(job.key)
            if remove_from_intermediate_queue:
                pipe.lrem(Queue(job.origin, connection=self.connection).intermediate_queue_key, 1, job.id)
            pipe.execute()

    def handle_job_success(self, job: Job, queue: Queue, started_job_registry: StartedJobRegistry,
                           execution: Execution) -> None:
        """RQ's success write (result, registries, counters) in one transaction, without the WATCH and read of the
        job's dependents RQ sends before it: hotline jobs have none (nothing is queued with depends_on); should one
        have some, the transaction says so and they are queued after it. Jobs that repeat, are rate limited or
        keep no result take RQ's way."""
        result_ttl = job.get_result_ttl(self.default_result_ttl)
        if job.repeats_left or getattr(job, "has_rate_limit", False) or result_ttl == 0:
            super().handle_job_success(job, queue, started_job_registry, execution)
            return
        with self.connection.pipeline() as pipe:
            pipe.exists(job.dependents_key)
            self.increment_successful_job_count(pipeline=pipe)
            self.increment_total_working_time(job.ended_at - job.started_at, pipe)
            job._handle_success(result_ttl, pipeline=pipe, worker_name=self.name, execution_id=execution.id,
                                execution_started_at=execution.created_at, execution_ended_at=job.ended_at)
            job.cleanup(result_ttl, pipeline=pipe, remove_from_queue=False)
            self.cleanup_execution(job, pipeline=pipe, execution=execution)
            has_dependents = pipe.execute()[0]
        job._status = JobStatus.FINISHED
        if has_dependents:
            self._enqueue_dependents_safely(queue, job)

    def handle_execution_ended(self, job: Job, queue: Queue, heartbeat_ttl: int) -> None:
        """Note the job's end; RQ also writes a job heartbeat here, which the success or failure write (the next
        round trip) makes moot in a worker that runs the job itself."""
        job.ended_at = job.last_heartbeat = rq_now()


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
        log.info("worker %s takes jobs from %s (pid %d)", worker.name, ", ".join(QUEUE_NAMES), os.getpid())
        try:  # RQ's own INFO lines are per job: warnings and errors only
            worker.work(burst=burst, with_scheduler=True, logging_level=logging.WARNING)
        except (redis.ConnectionError, redis.TimeoutError) as exc:  # raised outside RQ's loop (start, teardown)
            log.warning("worker lost Redis: %s", type(exc).__name__)
        if burst or getattr(worker, "_shutdown_requested_date", None) is not None:
            return
        log.warning("worker %s quit without a stop request (Redis outage?); restarting when Redis answers",
                    worker.name)
        _wait_for_redis(conn)
