"""Whole calls over real HTTP: gunicorn, `ivr worker`, real Redis and database; checked through the JSON API."""

from __future__ import annotations

import pytest

from tests.support.phone import digits_in

pytestmark = pytest.mark.e2e


def _call(stack, sid):
    response = stack.api(f"/api/calls/{sid}")
    return response.json() if response.status_code == 200 else None


def test_transfer_recorded_with_path_and_duration(stack):
    stack.clock.set("2026-11-26 17:00")  # Thursday: open until 18:00
    caller = stack.phone()
    caller.call()
    caller.press("2")  # Arabic
    caller.press("1")
    caller.press("3")  # work and training
    turn = caller.press("2")  # no Jobcenter money -> Integration Point
    assert turn.dialed == "+492027476331"
    assert turn.first("Say").attrib["voice"] == "Polly.Zeina"
    caller.dial_ends("completed")
    caller.hang_up(duration=130)
    call = stack.eventually(lambda: _call(stack, caller.call_sid), lambda c: c and c["ended_at"])
    assert call["outcome"] == "transferred"
    assert call["desk"] == "integration_point"
    assert call["language"] == "ar"
    assert call["duration"] == 130
    assert call["path"][:5] == ["greeting", "language", "privacy", "announcement", "who"]
    assert "jobcenter" in call["path"]


def test_busy_desk_callback_with_voice_message(stack):
    caller = stack.phone(caller="+4915123456789")
    caller.call()
    caller.press("1")
    caller.press("1")
    caller.press("2")  # money and housing
    turn = caller.press("1")  # recognised -> zebera
    assert turn.dialed == "+492027476330"
    turn = caller.dial_ends("busy")
    assert digits_in(turn.gather.find("Say").text) == "015123456789"
    turn = caller.press("1")
    caller.press("2")  # afternoons
    caller.press("2")  # no SMS
    turn = caller.press("1")  # consent
    assert turn.record is not None
    assert turn.record.attrib["maxLength"] == "60"
    turn = caller.leave_message(sid="RE" + "a" * 32)
    assert turn.hung_up
    caller.hang_up()
    tasks = stack.eventually(lambda: stack.api("/api/callbacks?desk=zebera").json()["callbacks"],
                             lambda t: t and t[0]["recording_url"])
    assert len(tasks) == 1
    assert tasks[0]["phone"] == "+4915123456789"
    assert tasks[0]["recording_url"].endswith("RE" + "a" * 32)
    assert tasks[0]["language"] == "de"
    assert tasks[0]["window"] == "afternoon"
    call = stack.eventually(lambda: _call(stack, caller.call_sid), lambda c: c and c["ended_at"])
    assert call["outcome"] == "callback_requested"


def test_abandoned_call_keeps_its_path(stack):
    caller = stack.phone()
    caller.call()
    caller.press("4")  # Turkish
    caller.press("1")
    caller.hang_up(duration=20)  # hangs up in the topic menu
    call = stack.eventually(lambda: _call(stack, caller.call_sid), lambda c: c and c["ended_at"])
    assert call["outcome"] == "abandoned"
    assert call["path"][-1] == "topic"
    assert call["language"] == "tr"


def test_unknown_call_is_404_and_api_needs_token(stack):
    assert stack.api("/api/calls/CA" + "0" * 32).status_code == 404
    import requests

    assert requests.get(stack.base + "/api/callbacks", timeout=5).status_code == 401
    health = requests.get(stack.base + "/healthz", timeout=5).json()
    assert health["redis"] == "ok" and health["database"] == "ok"
