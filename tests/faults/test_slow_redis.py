"""Redis stops answering (frozen, connections open): callers are answered, the breaker spares them further waits.

Proven by what happened, not by seconds: every webhook is answered while Redis is still frozen (it thaws only after
the calls), each wait on Redis ended in the client's own timeout (`web.redis_timeout_seconds`), and after one the
breaker kept the following webhooks from waiting. How long the webhooks took is a figure in the report
(`python -m bench.reliability`), never an assertion.
"""

from __future__ import annotations

import os
import re
import signal
import time
from datetime import datetime

import pytest

from ivr.settings import load_config
from ivr.store.breaker import BREAKER_SECONDS
from tests.faults.conftest import record
from tests.faults.conftest import request_callback
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.faults
CALLS = 2
"""Whole callback calls made while Redis answers nobody."""
WAITED = re.compile(r"redis unavailable.*: (\w+)$")
"""A web process's warning after a Redis command failed (replay check, intake, call paths), with the error type."""


def test_webhooks_do_not_wait_on_a_redis_that_stops_answering(stack):
    stack.start()
    stack.set_clock("2026-11-24 19:30")
    bound = load_config("config.yaml").web.redis_timeout_seconds
    request_callback(stack, "+4917612345639")  # warm-up with Redis answering: connections are open
    wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 60,
             "the warm-up call's events")
    before = stack.scalar("SELECT max(id) FROM events")
    first_response = len(stack.responses)

    os.kill(stack.redis.process.pid, signal.SIGSTOP)  # Redis answers nobody until SIGCONT; sockets stay open
    try:
        timings: list[float] = []
        for n in range(CALLS):  # every turn asserts 200 + valid TwiML; an unbounded wait would hang here
            request_callback(stack, f"+49176123456{n + 40}", timings)

        def frozen_events():
            rows = stack.rows("SELECT id, kind, call_sid, enqueued_at FROM events WHERE id > :b ORDER BY id", b=before)
            # rows are stored as queued and marked unqueued once the web's queueing thread gave up on Redis (after
            # its socket timeout, off the webhook): the last call's rows may still be waiting for that verdict
            return rows if all(e["enqueued_at"] is None for e in rows) else None

        frozen = wait_for(frozen_events, 10 * bound + 5, "the frozen period's events marked unqueued")
    finally:
        os.kill(stack.redis.process.pid, signal.SIGCONT)

    # Redis was frozen throughout: every event of those calls is in the outbox, none reached a queue
    assert sorted(e["kind"] for e in frozen) == sorted(["callback", "reached", "refine", "status"] * CALLS)
    waits = [item for item in stack.log_records("web") if WAITED.search(str(item.get("msg", "")))]
    # a webhook's own wait logs its call; the call-path and queueing threads work in the background
    webhook_waits = [item for item in waits if item.get("call_sid") and item.get("logger") != "ivr.store.callpaths"]
    # the breaker tripped on a wait that the client's socket timeout ended (not on a refused connection) ...
    assert waits, "no Redis command failed: the breaker never tripped"
    assert {WAITED.search(item["msg"]).group(1) for item in waits} == {"TimeoutError"}
    # ... and then kept the webhooks of its process off Redis for BREAKER_SECONDS: by the log's own times, no more
    # waits in any such window than there are web processes (load only spreads them further apart)
    processes = int(stack.env()["WEB_CONCURRENCY"])
    times = sorted(datetime.fromisoformat(item["ts"]).timestamp() for item in webhook_waits)
    for first, last in zip(times, times[processes:], strict=False):
        assert last - first >= BREAKER_SECONDS, f"{len(times)} webhooks waited on Redis: {webhook_waits}"

    thawed = time.monotonic()
    wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 90,
             "the events of the frozen period")
    applied_after = time.monotonic() - thawed
    tasks = stack.rows("SELECT phone, count(*) AS n FROM callbacks GROUP BY phone")
    duplicates = sum(t["n"] - 1 for t in tasks)
    assert len(tasks) == CALLS + 1 and duplicates == 0
    assert stack.scalar("SELECT count(*) FROM events WHERE attempts != 1") == 0
    record("slow_redis", {
        "calls_while_frozen": CALLS, "webhooks_while_frozen": len(timings),
        "webhook_errors": stack.webhook_errors(first_response), "events_while_frozen": len(frozen),
        "redis_waits_in_webhooks": len(webhook_waits), "redis_waits_in_background": len(waits) - len(webhook_waits),
        "web_processes": processes, "breaker_seconds": BREAKER_SECONDS,
        "configured_bound_seconds": bound,
        "slowest_webhook_seconds": round(max(timings), 3),
        "mean_webhook_seconds": round(sum(timings) / len(timings), 3),
        "seconds_to_apply_after_thaw": round(applied_after, 1),
        "tasks_expected": CALLS + 1, "tasks_stored": len(tasks), "duplicates": duplicates,
    })
