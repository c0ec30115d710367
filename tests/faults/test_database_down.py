"""The worker loses its database: jobs fail and are retried later, nothing is lost, callers notice nothing."""

from __future__ import annotations

import shutil
import time

import pytest
import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job

from ivr.store.jobqueue import RETRY
from tests.faults.conftest import record
from tests.faults.conftest import request_callback
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.faults
CALLS = 3


def _failures(conn: redis.Redis, ids: list[int]) -> int:
    """Failed runs so far of the events' jobs (RQ counts retries down from RETRY.max)."""
    total = 0
    for event_id in ids:
        try:
            job = Job.fetch(f"event-{event_id}", connection=conn)
        except NoSuchJobError:
            continue
        total += RETRY.max - (job.retries_left if job.retries_left is not None else RETRY.max)
    return total


def test_jobs_wait_out_a_database_outage_of_the_worker(stack):
    stack.start()
    stack.set_clock("2026-11-24 19:30")
    request_callback(stack, "+4917612345620")
    wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 60,
             "the warm-up call's events")
    conn = redis.Redis.from_url(stack.redis.url)

    stack.db_link.unlink()  # the worker's path to the database is gone; the web keeps its own
    outage_started = time.monotonic()
    first_response = len(stack.responses)
    timings: list[float] = []
    before = stack.scalar("SELECT max(id) FROM events")
    for n in range(CALLS):
        request_callback(stack, f"+49176123456{n + 21}", timings)
    ids = [r["id"] for r in stack.rows("SELECT id FROM events WHERE id > :b", b=before)]
    assert len(ids) == 4 * CALLS  # per call: callback, reached, refine (the window), status
    wait_for(lambda: _failures(conn, ids) >= len(ids), 60, "every job to fail once")
    assert stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == len(ids)

    if stack.db_link.is_dir():  # the failing job may have left an empty folder where the link was
        shutil.rmtree(stack.db_link)
    stack.db_link.symlink_to(stack.db_path.parent)
    outage = time.monotonic() - outage_started
    restored = time.monotonic()
    wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 120,
             "the retries to apply every event")
    recovered = time.monotonic() - restored

    tasks = stack.rows("SELECT phone, count(*) AS n FROM callbacks GROUP BY phone")
    duplicates = sum(t["n"] - 1 for t in tasks)
    assert len(tasks) == CALLS + 1 and duplicates == 0
    assert stack.scalar("SELECT count(*) FROM events WHERE attempts != 1") == 0
    failed_runs = _failures(conn, ids)
    conn.close()
    record("database_down", {
        "calls_during_outage": CALLS, "webhooks_during_outage": len(timings),
        "webhook_errors": stack.webhook_errors(first_response),
        "slowest_webhook_seconds": round(max(timings), 3), "events_during_outage": len(ids),
        "failed_job_runs": failed_runs, "outage_seconds": round(outage, 1),
        "seconds_to_apply_after_restore": round(recovered, 1), "tasks_expected": CALLS + 1,
        "tasks_stored": len(tasks), "duplicates": duplicates,
    })
