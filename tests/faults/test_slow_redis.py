"""Redis stops answering (paused): a webhook waits at most the configured bound, far below Twilio's 15 s."""

from __future__ import annotations

import time

import pytest
import redis

from ivr.settings import load_config
from tests.faults.conftest import record
from tests.faults.conftest import request_callback
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.faults
PAUSE_MS = 6000
"""How long Redis answers nobody."""
TWILIO_LIMIT = 15.0


def test_webhooks_do_not_wait_on_a_paused_redis(stack):
    stack.start()
    stack.set_clock("2026-11-24 19:30")
    bound = load_config("config.yaml").web.redis_timeout_seconds
    admin = redis.Redis.from_url(stack.redis.url)
    admin.execute_command("CLIENT", "PAUSE", PAUSE_MS, "ALL")  # every command blocks; connections still open
    paused = time.monotonic()
    timings: list[float] = []
    request_callback(stack, "+4917612345640", timings)
    request_callback(stack, "+4917612345641", timings)
    during = time.monotonic() - paused
    assert during * 1000 < PAUSE_MS  # both calls finished while Redis was still paused
    slowest = max(timings)
    assert slowest < 3.0, f"a webhook took {slowest:.2f} s"
    wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 90,
             "the events of the paused period")
    assert stack.scalar("SELECT count(*) FROM callbacks") == 2
    admin.close()
    record("slow_redis", {"redis_paused_ms": PAUSE_MS, "configured_bound_seconds": bound,
                          "webhooks": len(timings), "slowest_webhook_seconds": round(slowest, 3),
                          "mean_webhook_seconds": round(sum(timings) / len(timings), 3),
                          "twilio_limit_seconds": TWILIO_LIMIT, "tasks_expected": 2,
                          "tasks_stored": stack.scalar("SELECT count(*) FROM callbacks")})
