"""Whole calls through the shipped hotline on the in-process app, with real Redis, RQ and database."""

from __future__ import annotations

import sqlalchemy as sa

from ivr.store.db import callbacks
from tests.support.phone import digits_in


def _refined(engine, call_sid: str) -> tuple:
    """The window, promised day and SMS consent of a call's task (as the worker stored them)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(callbacks.c.window, callbacks.c.promised_by, callbacks.c.sms_consent)
                           .where(callbacks.c.call_sid == call_sid)).one()
    return row.window, row.promised_by.isoformat(), row.sms_consent


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


def test_closed_desk_offers_callback_on_caller_id_and_creates_task(phone, work, api, clock, engine):
    clock.set("2026-11-24 19:30")  # Tuesday evening: closed, open again Wednesday 08:00
    caller = phone()
    caller.call()
    caller.press("7")  # English
    caller.press("1")
    turn = caller.press("4")  # courses
    assert "Wednesday" in turn.text and "8:00" in turn.text
    assert digits_in(turn.gather.find("Say").text) == "017612345678"
    turn = caller.press("1")  # call me on this number: the task exists now
    assert "In the morning, press 1" in turn.text
    turn = caller.press("1")  # mornings
    assert "text message" in turn.text  # a mobile number: the SMS offer
    turn = caller.press("1")  # yes, an SMS
    assert "message" in turn.text.lower()
    turn = caller.press("2")  # no voice message
    # 24 service hours from Wednesday 08:00 end Friday 14:00, after Friday's morning: the next morning is Monday's
    assert "We will call you back by Monday, 30 November." in turn.text
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
    assert _refined(engine, caller.call_sid) == ("morning", "2026-11-30", True)  # the day spoken is on the task
    call = api.get(f"/api/calls/{caller.call_sid}").get_json()
    assert call["outcome"] == "callback_requested"


def test_withheld_number_goes_straight_to_entry(phone, work, api, clock, engine):
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
    caller.silence()  # no window chosen: any time
    caller.silence()  # no answer to the SMS offer: no SMS
    turn = caller.press("2")
    assert "Wir rufen Sie bis Mittwoch, 2. Dezember, zurück." in turn.text  # from Monday 08:00, 24 service hours
    assert turn.hung_up
    work()
    tasks = _callbacks(api, desk="helpers")
    assert [t["phone"] for t in tasks] == ["+4915112345678"]
    assert _refined(engine, caller.call_sid) == ("any", "2026-12-02", False)


def test_a_caller_id_from_a_country_we_do_not_call_is_told_why_in_the_callers_language(phone, clock):
    clock.set("2026-11-28 11:00")  # Saturday: closed
    caller = phone(caller="+905321234567")  # Turkey is outside the allowed countries
    caller.call()
    caller.press("2")  # Arabic
    turn = caller.press("2")  # helpers desk
    assert "رقمك من بلد لا يمكننا الاتصال به." in turn.text
    assert turn.gather.attrib["finishOnKey"] == "#"


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


def test_a_persian_caller_at_friday_1559_hears_wednesday_2_december_in_recorded_clips(phone, clock):
    clock.set("2026-11-27 15:59")  # a minute before closing: the desk is open and busy
    caller = phone()
    caller.call()
    caller.press("5")  # Persian (recorded audio)
    caller.press("1")
    assert caller.press("4").dialed  # courses: the desk is dialled
    caller.dial_ends("busy")
    for key in ("1", "3", "2"):  # this number, any time, no SMS
        caller.press(key)
    turn = caller.press("2")  # no voice message
    assert turn.hung_up
    day = [p.rsplit("/", 2)[-2] + "/" + p.rsplit("/", 1)[-1] for p in turn.plays][:5]
    assert day == ["fa/cb_promise.0.wav", "fa/weekday_2.wav", "fa/number_2.wav", "fa/month_12.wav",
                   "fa/cb_promise.1.wav"]  # a minute on Friday, Monday, Tuesday, Wednesday until 15:59


def test_an_arabic_caller_on_rosenmontag_afternoon_is_promised_thursday(phone, clock):
    clock.set("2027-02-08 13:00")  # Rosenmontag: the office closes at noon
    caller = phone()
    caller.call()
    caller.press("2")  # Arabic
    caller.press("1")
    caller.press("4")  # courses: closed, the callback
    for key in ("1", "3", "2"):  # this number, any time, no SMS
        caller.press(key)
    turn = caller.press("2")  # no voice message
    assert "سنعاود الاتصال بك في موعد أقصاه يوم الخميس، 11 فبراير." in turn.text  # Tue, Wed, Thu until 16:00
