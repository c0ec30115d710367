"""Toll-fraud and abuse limits on callbacks: country allow-list and a daily limit per number, spoken to the caller."""

from __future__ import annotations

from datetime import timedelta

from ivr.hotline import callbacks


def _evening_callback_offer(phone, clock, caller: str):
    clock.set("2026-11-24 19:30")
    call = phone(caller=caller)
    call.call()
    call.press("7")  # English
    call.press("1")
    return call, call.press("4")  # courses: closed, callback offered


def test_caller_from_a_country_we_do_not_call_must_key_in_another_number(phone, clock):
    call, turn = _evening_callback_offer(phone, clock, "+12025550123")
    assert turn.gather.get("finishOnKey") == "#" and "enter your phone number" in turn.text  # caller ID not offered
    turn = call.press("0012025550123")
    assert "cannot call this country" in turn.text


def test_premium_number_keyed_in_is_refused_with_an_explanation(phone, clock):
    call, turn = _evening_callback_offer(phone, clock, "anonymous")
    turn = call.press("09001234567")
    assert "special numbers" in turn.text
    turn = call.press("11833")
    assert "special numbers" in turn.text


def test_international_number_in_the_allow_list_is_accepted(phone, clock, work, api):
    call, turn = _evening_callback_offer(phone, clock, "+33612345678")
    call.press("1")
    call.press("2")
    call.hang_up()
    work()
    tasks = api.get("/api/callbacks").get_json()["callbacks"]
    assert [t["phone"] for t in tasks] == ["+33612345678"]


def test_daily_limit_per_number(phone, clock, engine, settings):
    limit = settings.config.callbacks.per_number_daily_limit
    with engine.begin() as conn:
        for n in range(limit):
            at = clock() - timedelta(hours=1)
            task_id, _ = callbacks.create(conn, "helpers", "+4917612345678", "en", f"CA{n:032d}", at, at)
            callbacks.close(conn, task_id, "resolved", at)
    call, turn = _evening_callback_offer(phone, clock, "+4917612345678")
    turn = call.press("1")
    assert "many times today" in turn.text
    assert turn.hung_up
