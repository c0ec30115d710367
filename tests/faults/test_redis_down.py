"""Redis stops during live calls: callers are served, events wait in the database and reach the worker later."""

from __future__ import annotations

import json
import time

import pytest
import redis

from tests.factories import API_TOKEN
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
    first_response = len(stack.responses)
    outage_started = time.monotonic()
    timings: list[float] = []
    for n in range(CALLS):
        request_callback(stack, f"+49176123456{n + 10}", timings)  # every turn asserts 200 + valid TwiML
    webhooks = len(timings)
    waiting = stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL")
    kinds = stack.rows("SELECT kind, count(*) AS n FROM events WHERE processed_at IS NULL GROUP BY kind")
    # per call: the callback request, the desk reached (callback_requested), the window chosen and the final status
    assert {k["kind"]: k["n"] for k in kinds} == {"callback": CALLS, "reached": CALLS, "refine": CALLS,
                                                  "status": CALLS}
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
        "webhook_errors": stack.webhook_errors(first_response),
        "slowest_webhook_seconds": round(max(timings), 3), "outage_seconds": round(outage, 1),
        "tasks_expected": CALLS + 1, "tasks_stored": len(tasks), "duplicates": duplicates,
        "seconds_to_drain_after_restart": round(drained, 1),
    })


def _path(stack, call_sid: str) -> list[str]:
    response = stack.session.get(f"{stack.base}/api/calls/{call_sid}", timeout=10,
                                 headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()["path"]


def test_a_call_keeps_its_path_when_redis_dies_mid_call(stack):
    """Redis dies mid-call and comes back empty: the record still holds every node up to the last durable event
    (the callback and the desk reached carry the path), and a webhook replayed meanwhile duplicates none."""
    stack.start()
    stack.set_clock("2026-11-24 19:30")
    drained = lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0  # noqa: E731
    reference = request_callback(stack, "+4917612345640")  # the same keys with Redis up
    wait_for(drained, 60, "the reference call's events")
    expected = _path(stack, reference.call_sid)
    assert expected[:2] == ["greeting", "language"] and len(expected) >= 6, expected

    caller = stack.phone(caller="+4917612345641")
    caller.call()
    caller.press("7")
    caller.press("1")
    tracked = redis.Redis.from_url(stack.redis.url)
    wait_for(lambda: tracked.zcard(f"ivr:call:{caller.call_sid}:path") >= 3, 10, "the first nodes in Redis")
    tracked.close()
    stack.redis.kill()  # the nodes so far are gone with it
    assert "Wednesday" in caller.press("4").text
    caller.press("1")
    caller.press("3")  # any time
    caller.press("2")  # no SMS
    assert caller.press("2").hung_up  # the callback: a durable event with the path so far
    url, form, headers = caller.sent[-1]
    replayed = stack.session.post(url, data=form, headers=headers, timeout=30)
    assert replayed.status_code == 200  # Redis cannot tell a replay now: taken, and it must change nothing
    caller.hang_up()
    stack.redis.start()
    wait_for(drained, 120, "the relay and worker to drain the outbox")

    got = _path(stack, caller.call_sid)
    # the steps after the callback (window, SMS offer, the goodbye) carry no path in a durable event: their nodes
    # count only if the web process's backlog reached Redis before the worker read it; every node up to the
    # callback is always there
    assert got == expected[:len(got)] and len(got) >= len(expected) - 3, json.dumps([got, expected])
    assert stack.scalar("SELECT count(*) FROM callbacks WHERE phone = '+4917612345641'") == 1
    tracked = redis.Redis.from_url(stack.redis.url)
    key = f"ivr:call:{caller.call_sid}:path"
    wait_for(lambda: tracked.zcard(key) >= 3, 30, "the web processes' backlog in Redis")  # the 3 steps after
    members = [m.decode().split(":", 2) for m in tracked.zrange(key, 0, -1)]
    tracked.close()
    assert len({position for position, _, _ in members}) == len(members)  # the replay wrote the same members
    assert_no_numbers_in_logs(stack, ["+4917612345640", "+4917612345641"])
