"""Redis dies while a job runs: `ivr worker` does not quit with RQ's worker, it starts a new one once Redis is back."""

from __future__ import annotations

import pytest
import redis
from rq import Queue
from rq.registry import StartedJobRegistry

from tests.faults.conftest import WriteLock
from tests.faults.conftest import record
from tests.faults.conftest import request_callback
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.faults


def test_worker_process_outlives_a_redis_crash_in_the_middle_of_a_job(stack):
    stack.start(worker=False)
    stack.set_clock("2026-11-24 19:30")
    request_callback(stack, "+4917612345650")
    conn = redis.Redis.from_url(stack.redis.url)
    started = StartedJobRegistry(queue=Queue("calls", connection=conn))
    lock = WriteLock(stack.db_path)  # the first job hangs on the database ...
    worker = stack.start_worker()
    wait_for(lambda: started.get_job_ids(), 30, "a job to start")  # running in the worker process itself
    stack.redis.kill()  # ... while Redis dies under it
    lock.release()
    conn.close()
    wait_for(lambda: "restarting when Redis answers" in stack.log("worker"), 60, "the worker to notice")
    assert worker.poll() is None  # RQ's worker quit, the process did not

    stack.redis.start()
    request_callback(stack, "+4917612345651")
    wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 90,
             "every event, before and after the crash")
    tasks = stack.rows("SELECT phone, count(*) AS n FROM callbacks GROUP BY phone")
    duplicates = sum(t["n"] - 1 for t in tasks)
    assert len(tasks) == 2 and duplicates == 0
    assert stack.scalar("SELECT count(*) FROM events WHERE attempts != 1") == 0
    survived = worker.poll() is None
    assert survived
    record("redis_crash_mid_job", {"worker_process_survived": survived, "tasks_expected": 2,
                                   "tasks_stored": len(tasks), "duplicates": duplicates,
                                   "events_applied_more_than_once": stack.scalar(
                                       "SELECT count(*) FROM events WHERE attempts > 1")})
