"""Calls and stored events through real server and `ivr worker` processes: every task once, no event lost.

Not timed (bench/burst.py measures speed); these hold the outcome with one worker and with two side by side.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from rq.job import Job

from bench.burst import Hotline
from bench.burst import store_events
from ivr.store import jobqueue as queue

CALLS = 20


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def hotline(tmp_path, database_url, redis_url, engine, redis_conn):
    """A hotline in child processes on the test's database and Redis (started by the test)."""
    hotline = Hotline(tmp_path, database_url, redis_url)
    yield hotline
    hotline.stop()


def test_a_burst_of_calls_through_the_worker_lists_every_task_once(hotline):
    hotline.start(workers=1)
    with ThreadPoolExecutor(4) as pool:  # four callers at a time
        sids = set(pool.map(lambda n: hotline.call(f"+4917692{n:05d}"), range(CALLS)))
    _wait(lambda: hotline.listed(sids) >= CALLS, 120, "every task on its desk's list")
    _wait(lambda: hotline.pending() == 0, 60, "every event applied")
    assert hotline.listed(sids) == CALLS
    assert hotline.tasks(sids) == {sid: 1 for sid in sids}
    assert hotline.scalar("SELECT count(*) FROM events WHERE attempts != 1") == 0
    assert hotline.scalar("SELECT count(*) FROM calls WHERE status = 'completed' AND caller IS NOT NULL") == CALLS


def test_two_worker_processes_share_a_batch_without_duplicates_or_losses(hotline):
    hotline.start(workers=2)
    ids = store_events(hotline, 60)
    conn = redis.Redis.from_url(hotline.redis_url)
    for event_id in ids:  # both workers block on the queue; Redis hands each new job to the one waiting longest
        queue.enqueue_event(conn, event_id)
    _wait(lambda: hotline.pending() == 0, 120, "every event applied")
    jobs = Job.fetch_many([queue.event_job_id(i) for i in ids], connection=conn)
    workers = {job.worker_name for job in jobs if job is not None}
    conn.close()
    assert len(workers) == 2
    assert hotline.scalar("SELECT count(*) FROM events WHERE attempts != 1") == 0
    tasks = hotline.scalar("SELECT count(*) FROM callbacks")
    calls = hotline.scalar("SELECT count(DISTINCT call_sid) FROM callbacks")
    assert tasks == calls == 30
