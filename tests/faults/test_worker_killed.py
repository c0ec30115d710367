"""A worker is SIGKILLed in the middle of a job: the job runs again soon after a worker is back, once."""

from __future__ import annotations

import time

import pytest
import redis
from rq import Queue
from rq.job import Job
from rq.registry import StartedJobRegistry

from tests.faults.conftest import WriteLock
from tests.faults.conftest import record
from tests.faults.conftest import request_callback
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.faults


def test_job_of_a_killed_worker_runs_again_exactly_once(stack):
    stack.start(worker=False)
    stack.set_clock("2026-11-24 19:30")
    request_callback(stack, "+4917612345601")  # queued in Redis; no worker yet
    callback_id = stack.scalar("SELECT id FROM events WHERE kind = 'callback'")
    conn = redis.Redis.from_url(stack.redis.url)
    started = StartedJobRegistry(queue=Queue("calls", connection=conn))

    # the test holds the database's write lock, so the worker's job hangs mid-transaction
    lock = WriteLock(stack.db_path)
    worker = stack.start_worker()
    job_id = wait_for(lambda: next(iter(started.get_job_ids()), None), 30, "a job to start")
    # `ivr worker` runs the job in its own process (no work horse): the job is in the started registry, waiting
    # on the lock in the process the test kills now
    stack.kill_worker(worker)
    lock.release()
    assert job_id in started.get_job_ids()  # orphaned: RQ alone would wait for the heartbeat, then maintenance

    back = time.monotonic()
    stack.start_worker()
    try:
        wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 60,
                 "the orphaned job to run again")
    except AssertionError:
        job = Job.fetch(job_id, connection=conn)
        raise AssertionError(f"job {job_id} is {job.get_status()}, registry {started.get_job_and_execution_ids()}, "
                             f"worker log:\n{stack.log('worker')[-3000:]}") from None
    rerun_after = time.monotonic() - back
    event_id = int(job_id.removeprefix("event-"))
    assert stack.scalar("SELECT processed_at IS NOT NULL FROM events WHERE id = :id", id=event_id)
    tasks = stack.scalar("SELECT count(*) FROM callbacks")
    calls = stack.scalar("SELECT count(*) FROM calls")
    assert tasks == 1 and calls == 1
    assert stack.scalar("SELECT attempts FROM events WHERE id = :id", id=callback_id) == 1
    assert "died mid-job, queued again" in stack.log("worker")
    conn.close()
    record("worker_killed", {"orphaned_job": job_id, "seconds_until_rerun_after_worker_back": round(rerun_after, 1),
                             "limit_seconds": 60, "tasks_expected": 1, "tasks_stored": tasks, "call_records": calls,
                             "duplicates": tasks - 1})
