"""Redis stops during live calls: callers are served, events wait in the database and reach the worker later."""

from __future__ import annotations

import time

import pytest

from tests.faults.conftest import assert_no_numbers_in_logs
from tests.faults.conftest import record
from tests.faults.conftest import request_callback
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.faults
CALLS = 6
"""Whole callback calls made while Redis is down."""


def test_calls_during_a_redis_outage_lose_and_duplicate_nothing(stack):
    stack.start()
    stack.set_clock("2026-11-24 19:30")  # Tuesday evening: desks closed, callers ask for a callback
    request_callback(stack, "+4917612345600")  # warm-up with Redis up: the worker is running
    wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 60,
             "the warm-up call's events")
    assert stack.scalar("SELECT count(*) FROM callbacks") == 1

    stack.redis.kill()
    outage_started = time.monotonic()
    timings: list[float] = []
    for n in range(CALLS):
        request_callback(stack, f"+49176123456{n + 10}", timings)  # every turn asserts 200 + valid TwiML
    webhooks = len(timings)
    waiting = stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL")
    kinds = stack.rows("SELECT kind, count(*) AS n FROM events WHERE processed_at IS NULL GROUP BY kind")
    # per call: the callback request, the desk reached (callback_requested) and the final status
    assert {k["kind"]: k["n"] for k in kinds} == {"callback": CALLS, "reached": CALLS, "status": CALLS}
    assert stack.scalar("SELECT count(*) FROM callbacks") == 1

    stack.redis.start()  # same port, empty: nothing queued survived
    outage = time.monotonic() - outage_started
    restarted = time.monotonic()
    wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 120,
             "the relay and worker to drain the outbox")
    drained = time.monotonic() - restarted

    tasks = stack.rows("SELECT phone, count(*) AS n FROM callbacks GROUP BY phone")
    duplicates = sum(t["n"] - 1 for t in tasks)
    assert len(tasks) == CALLS + 1 and duplicates == 0
    assert stack.scalar("SELECT count(*) FROM calls WHERE outcome = 'callback_requested'") == CALLS + 1
    assert stack.scalar("SELECT count(*) FROM events WHERE attempts != 1") == 0  # each applied exactly once
    log_lines = assert_no_numbers_in_logs(stack, ["+4917612345600"] + [f"+49176123456{n + 10}" for n in range(CALLS)])
    record("redis_down", {"log_lines_checked_for_numbers": log_lines,
        "calls_during_outage": CALLS, "events_kept_in_outbox": waiting, "webhooks_during_outage": webhooks,
        "webhook_errors": 0,
        "slowest_webhook_seconds": round(max(timings), 3), "outage_seconds": round(outage, 1),
        "tasks_expected": CALLS + 1, "tasks_stored": len(tasks), "duplicates": duplicates,
        "seconds_to_drain_after_restart": round(drained, 1),
    })
