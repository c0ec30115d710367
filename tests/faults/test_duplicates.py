"""Twilio retries and reorders webhooks: one task per request however often it comes, no status going back;
a repeated call step is refused (409), a repeated status callback acknowledged without being stored again."""

from __future__ import annotations

import pytest

from tests.faults.conftest import assert_no_numbers_in_logs
from tests.faults.conftest import record
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.faults
REPEATS = 3
"""How often each webhook is delivered."""


def test_repeated_and_reordered_webhooks_change_nothing(stack):
    stack.start()
    stack.set_clock("2026-11-24 19:30")
    phone = stack.phone(caller="+4917612345630")
    phone.call()
    phone.press("7")
    phone.press("1")
    phone.press("4")
    phone.press("1")
    phone.press("3")  # any time
    phone.press("2")  # no SMS
    action = phone.last.gather.attrib["action"]
    for attempt in range(REPEATS):  # the request that creates the task again (a retry or a replay)
        _, body = phone.send(action, {"Digits": "2", "FinishedOnKey": ""}, expect=409 if attempt else 200)
        assert (b"<Hangup" in body) == (attempt == 0)  # a repeat is refused: nothing is said twice
    statuses = [("ringing", "1"), ("in-progress", "2"), ("completed", "4")]
    for status, seq in statuses * REPEATS + [("ringing", "1"), ("in-progress", "2")]:  # late ones last
        phone.send("/voice/status", {"CallStatus": status, "CallDuration": "61", "SequenceNumber": seq},
                   expect=204)
    webhooks = REPEATS + len(statuses) * REPEATS + 2
    wait_for(lambda: stack.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL") == 0, 60,
             "the worker to apply the events")

    tasks = stack.scalar("SELECT count(*) FROM callbacks")
    events = stack.scalar("SELECT count(*) FROM events WHERE kind IN ('callback', 'status')")
    call = stack.rows("SELECT status, outcome, duration FROM calls")
    assert tasks == 1
    assert events == 1 + len(statuses)  # repeats are refused at the door by their dedupe key
    assert call == [{"status": "completed", "outcome": "callback_requested", "duration": 61}]
    # the worker also started the retention schedule (the Procfile's `ivr worker` line is all it needs)
    wait_for(lambda: "retention sweep: " in stack.log("worker"), 30, "the retention sweep")
    log_lines = assert_no_numbers_in_logs(stack, ["+4917612345630"])
    record("duplicates", {"log_lines_checked_for_numbers": log_lines, "repeated_webhooks": webhooks,
                          "tasks_expected": 1, "tasks_stored": tasks,
                          "events_stored": events, "final_status": call[0]["status"], "duplicates": tasks - 1})
