"""`ivr worker` runs jobs in its own process on one context, and a job that overruns its timeout still fails."""

from __future__ import annotations

import os

from rq import Queue
from rq.job import Job
from rq.job import JobStatus

from workers import context


def test_jobs_run_in_the_worker_process_on_one_context(ivr, redis_conn, monkeypatch):
    built = []
    original = context.build
    monkeypatch.setattr(context, "build", lambda settings: built.append(1) or original(settings))
    calls = Queue("calls", connection=redis_conn)
    jobs = [calls.enqueue("os.getpid", result_ttl=60), calls.enqueue("workers.context.get", result_ttl=60)]
    try:
        assert ivr("worker", "--burst").exit_code == 0
        assert jobs[0].return_value() == os.getpid()  # not a forked child per job
        assert jobs[1].get_status() == JobStatus.FINISHED
        assert built == [1]  # the job used the context the worker built at start
    finally:
        context.get().close()
        context.reset()


def test_a_job_over_its_timeout_fails_and_the_next_one_runs(ivr, redis_conn):
    calls = Queue("calls", connection=redis_conn)
    slow = calls.enqueue("time.sleep", 30, job_timeout=1)
    after = calls.enqueue("os.getpid", result_ttl=60)
    try:
        assert ivr("worker", "--burst").exit_code == 0
    finally:
        context.get().close()
        context.reset()
    slow = Job.fetch(slow.id, connection=redis_conn)
    assert slow.get_status() == JobStatus.FAILED
    assert "JobTimeoutException" in slow.latest_result().exc_string
    assert after.return_value() == os.getpid()
