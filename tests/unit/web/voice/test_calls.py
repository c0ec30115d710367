"""Whole calls through the shipped hotline on the in-process app, with real Redis, RQ and database."""

from __future__ import annotations

from tests.support.phone import digits_in


def _callbacks(api, **params):
    response = api.get("/api/callbacks", query_string=params)
    assert response.status_code == 200
    return response.get_json()["callbacks"]


def test_german_caller_reaches_the_open_immigration_office(phone, work, api):
    caller = phone()
    turn = caller.call()
    assert "Willkommen" in turn.text
    assert turn.gather.attrib["numDigits"] == "1"
    turn = caller.press("1")  # Deutsch
    assert "Datenschutz" in turn.text
    caller.press("1")  # about myself
    turn = caller.press("1")  # residence
    assert turn.dialed == "+492025634003"
    turn = caller.dial_ends("completed")
    assert turn.hung_up
    caller.hang_up(duration=95)
    work()
    call = api.get(f"/api/calls/{caller.call_sid}").get_json()
    assert call["outcome"] == "transferred"
    assert call["desk"] == "auslaenderbehoerde"
    assert call["language"] == "de"
    assert call["path"] == ["greeting", "language", "privacy", "announcement", "who", "topic",
                            "desk_auslaenderbehoerde", "desk_auslaenderbehoerde"]
    assert call["duration"] == 95


def test_closed_desk_offers_callback_on_caller_id_and_creates_task(phone, work, api, clock):
    clock.set("2026-11-24 19:30")  # Tuesday evening: closed, open again Wednesday 08:00
    caller = phone()
    caller.call()
    caller.press("7")  # English
    caller.press("1")
    turn = caller.press("4")  # courses
    assert "Wednesday" in turn.text and "8:00" in turn.text
    assert digits_in(turn.gather.find("Say").text) == "017612345678"
    turn = caller.press("1")  # call me on this number
    assert "message" in turn.text.lower()
    turn = caller.press("2")  # no voice message
    assert turn.hung_up
    caller.hang_up()
    work()
    tasks = _callbacks(api, desk="integrationszentrum")
    assert len(tasks) == 1
    task = tasks[0]
    assert task["phone"] == "+4917612345678"
    assert task["language"] == "en"
    assert task["status"] == "open"
    assert task["call_sid"] == caller.call_sid
    call = api.get(f"/api/calls/{caller.call_sid}").get_json()
    assert call["outcome"] == "callback_requested"


def test_withheld_number_goes_straight_to_entry(phone, work, api, clock):
    clock.set("2026-11-28 11:00")  # Saturday
    caller = phone(caller="anonymous")
    caller.call()
    caller.press("1")
    turn = caller.press("2")  # helpers desk
    assert turn.gather.attrib["finishOnKey"] == "#"
    turn = caller.press("09001234567")
    assert "Sondernummern" in turn.text
    turn = caller.press("015112345678")
    assert digits_in(turn.gather.find("Say").text) == "015112345678"
    caller.press("1")
    turn = caller.press("2")
    assert turn.hung_up
    work()
    tasks = _callbacks(api, desk="helpers")
    assert [t["phone"] for t in tasks] == ["+4915112345678"]


def test_call_keys_in_redis_expire(phone, redis_conn, app):
    caller = phone()
    caller.call()
    caller.press("1")
    caller.press("1")
    app.extensions["ivr.web.voice"].tracker.flush()
    path_ttl = redis_conn.ttl(f"ivr:call:{caller.call_sid}:path")
    hash_ttl = redis_conn.ttl(f"ivr:call:{caller.call_sid}")
    assert 0 < path_ttl <= 2 * 24 * 3600 and 0 < hash_ttl <= 2 * 24 * 3600
    members = redis_conn.zrange(f"ivr:call:{caller.call_sid}:path", 0, -1)
    assert [m.decode().split(":", 2)[2] for m in members] == ["greeting", "language", "privacy", "announcement",
                                                               "who", "topic"]
