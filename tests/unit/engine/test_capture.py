"""Callback capture at a desk: the caller ID or a keyed number, read back, window, SMS offer, consent, limits, the
promise as a day, a person at the end."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from ivr.engine import capture
from ivr.engine import runtime
from ivr.engine.hours import DeskStatus
from ivr.engine.model import CallbackRefined
from ivr.engine.model import CallbackRequested
from ivr.engine.model import Context
from ivr.engine.model import Dial
from ivr.engine.model import Event
from ivr.engine.model import Gather
from ivr.engine.model import Hangup
from ivr.engine.model import NumberCheck
from ivr.engine.model import Outcome
from ivr.engine.model import Play
from ivr.engine.model import Reached
from ivr.engine.model import Record
from ivr.engine.model import RecordingAttached
from ivr.engine.model import State
from ivr.engine.output import Output
from ivr.engine.phones import check_number

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
MOBILE = "+4917612345678"
LANDLINE = "+492021234567"
TURKISH = "+905321234567"
WEDNESDAY = date(2026, 12, 2)


def _check(raw: str) -> NumberCheck:
    if raw.startswith("0900"):
        return NumberCheck(False, None, "premium")
    if raw == TURKISH:
        return NumberCheck(False, None, "country")
    if raw in (LANDLINE, "02021234567"):
        return NumberCheck(True, LANDLINE)
    return NumberCheck(True, MOBILE, mobile=True) if raw in (MOBILE, "017612345678") else NumberCheck(False, None,
                                                                                                      "invalid")


def _ctx(caller: str | None = MOBILE, open_callback: bool | None = False, today: int | None = 0,
         info_open: bool = False, promised: dict | None = None, windows=None) -> Context:
    asked = promised if promised is not None else {}

    def promise_day(desk: str, window: str) -> date | None:
        asked["asked"] = (desk, window)
        return asked.get("day")

    ctx = Context(now=NOW, caller=caller, check_number=_check,
                  desk_status=lambda desk: DeskStatus(info_open and desk == "info", "hours", None),
                  has_open_callback=lambda desk, phone: open_callback, callbacks_today=lambda phone: today,
                  promise_day=promise_day)
    if windows is not None:
        ctx.windows = lambda desk: windows
    return ctx


def _answer(bundle, sub: str, ctx: Context, event: Event, lang: str = "de", **state):
    node = bundle.flow.nodes["desk_zebera"]
    out = Output(bundle, State(node.id, lang, bundle.version, "hotline", sub=sub, **state))
    capture.answer(out, node, out.state, event, ctx)
    return out.step()


def _offer(bundle, ctx: Context):
    node = bundle.flow.nodes["desk_zebera"]
    out = Output(bundle, State(node.id, "de", bundle.version, "hotline"))
    capture.offer(out, node, out.state, ctx)
    return out.step()


def _spoken(step) -> list[str]:
    return [i.text for a in step.actions if hasattr(a, "items") for i in a.items if hasattr(i, "text")]


def test_readable_numbers_are_what_a_caller_would_dial():
    assert capture.readable("+4917612345678") == "017612345678"
    assert capture.readable("+905321234567") == "00905321234567"


def test_the_caller_id_is_offered_read_back_and_without_one_a_number_is_asked_for(shipped):
    step = _offer(shipped, _ctx())
    assert step.actions[-1].state.sub == "choice" and step.private
    asked = _offer(shipped, _ctx(caller=None)).actions[-1]
    assert isinstance(asked, Gather) and asked.state.sub == "entry" and asked.finish_on_key == "#"


def test_an_open_request_is_announced_instead_of_a_second_one(shipped):
    step = _offer(shipped, _ctx(open_callback=True))
    assert isinstance(step.actions[-1], Hangup) and not step.effects


def test_accepting_the_caller_id_requests_the_callback_then_asks_for_the_window(shipped):
    step = _answer(shipped, "choice", _ctx(), Event(digits="1"))
    assert step.effects == (CallbackRequested("zebera", MOBILE, "de"), Reached("zebera", Outcome.CALLBACK_REQUESTED))
    assert step.actions[-1].state.sub == "window_m" and step.actions[-1].state.number is None  # a mobile number
    assert _spoken(step) == [shipped.prompts["cb_window"]["de"]]
    landline = _answer(shipped, "confirm", _ctx(), Event(digits="1"), number=LANDLINE)
    assert landline.effects[0] == CallbackRequested("zebera", LANDLINE, "de")
    assert landline.actions[-1].state.sub == "window"


def test_a_caller_id_refused_for_its_country_is_told_so_before_another_number_is_asked_for(shipped):
    step = _offer(shipped, _ctx(caller=TURKISH))
    assert _spoken(step) == [shipped.prompts["cb_caller_country"]["de"], shipped.prompts["cb_enter"]["de"]]
    assert step.actions[-1].state.sub == "entry"
    withheld = _offer(shipped, _ctx(caller=None))  # no caller ID: no reason to give
    assert _spoken(withheld) == [shipped.prompts["cb_enter"]["de"]]


@pytest.mark.parametrize(("digits", "window"), [("1", "morning"), ("2", "afternoon"), ("3", "any"), ("", "any")])
def test_the_window_refines_the_task_and_a_landline_goes_on_to_the_consent(shipped, digits, window):
    step = _answer(shipped, "window", _ctx(), Event(digits=digits or None))
    assert step.effects == (CallbackRefined("zebera", window, False),)
    assert step.actions[-1].state.sub == f"consent_{digits or '3'}"
    assert _spoken(step) == [shipped.prompts["consent"]["de"]]


def test_a_mobile_number_is_offered_the_sms_then_the_refinement_carries_the_answer(shipped):
    offered = _answer(shipped, "window_m", _ctx(), Event(digits="2"))
    assert not offered.effects and offered.actions[-1].state.sub == "sms_2"
    assert _spoken(offered) == [shipped.prompts["cb_sms"]["de"]]
    yes = _answer(shipped, "sms_2", _ctx(), Event(digits="1"))
    assert yes.effects == (CallbackRefined("zebera", "afternoon", True),)
    assert yes.actions[-1].state.sub == "consent_2"
    for digits in ("2", None):  # no key means no SMS
        no = _answer(shipped, "sms_2", _ctx(), Event(digits=digits))
        assert no.effects == (CallbackRefined("zebera", "afternoon", False),)
    no_window = _answer(shipped, "window_m", _ctx(), Event())  # no key: any time, then the SMS offer
    assert no_window.actions[-1].state.sub == "sms_3"


def test_a_wrong_key_is_asked_again_and_after_the_retries_means_any_time_and_no_sms(shipped):
    node = shipped.flow.nodes["desk_zebera"]
    again = _answer(shipped, "window", _ctx(), Event(digits="7"))
    assert not again.effects and again.actions[-1].state.sub == "window" and again.actions[-1].state.retries == 1
    assert _spoken(again) == [shipped.prompts["invalid"]["de"], shipped.prompts["cb_window"]["de"]]
    last = _answer(shipped, "window", _ctx(), Event(digits="7"), retries=node.max_retries)
    assert last.effects == (CallbackRefined("zebera", "any", False),)
    repeat = _answer(shipped, "sms_1", _ctx(), Event(digits="*"))
    assert not repeat.effects and repeat.actions[-1].state.retries == 0
    assert _spoken(repeat) == [shipped.prompts["cb_sms"]["de"]]
    wrong = _answer(shipped, "sms_1", _ctx(), Event(digits="5"), retries=node.max_retries)
    assert wrong.effects == (CallbackRefined("zebera", "morning", False),)


def test_a_desks_own_windows_keep_the_keys_and_its_own_prompt_is_spoken(shipped):
    own = {"1": "thursday_evening", "2": "afternoon", "3": "any"}
    step = _answer(shipped, "window", _ctx(windows=own), Event(digits="1"))
    assert step.effects == (CallbackRefined("zebera", "thursday_evening", False),)
    text = "Donnerstag Abend: die 1."
    bundle = replace(shipped, prompts={**shipped.prompts, "cb_window_zebera": {"de": text}})
    asked = _answer(bundle, "choice", _ctx(windows=own), Event(digits="1"))
    assert _spoken(asked) == [text]


def test_the_promise_is_a_day_asked_for_the_desk_and_the_chosen_window(shipped):
    promised = {"day": WEDNESDAY}
    done = _answer(shipped, "consent_1", _ctx(promised=promised), Event(digits="2"))
    assert promised["asked"] == ("zebera", "morning")
    assert _spoken(done) == ["Danke. Wir rufen Sie bis Mittwoch, 2. Dezember, zurück.", "Auf Wiederhören."]
    assert isinstance(done.actions[-1], Hangup)
    arabic = _answer(shipped, "consent_2", _ctx(promised=promised), Event(digits="2"), lang="ar")
    assert _spoken(arabic)[0] == "شكرًا لك. سنعاود الاتصال بك في موعد أقصاه يوم الأربعاء، 2 ديسمبر."
    assert promised["asked"] == ("zebera", "afternoon")


def test_the_promise_in_a_recorded_language_chains_weekday_day_and_month_clips(shipped):
    done = _answer(shipped, "consent", _ctx(promised={"day": date(2027, 2, 15)}), Event(digits="2"), lang="fa")
    played = [i.url.rsplit("/", 2)[-2] + "/" + i.url.rsplit("/", 1)[-1] for a in done.actions
              if hasattr(a, "items") for i in a.items if isinstance(i, Play)]
    assert played == ["fa/cb_promise.0.wav", "fa/weekday_0.wav", "fa/number_15.wav", "fa/month_2.wav",
                      "fa/cb_promise.1.wav", "fa/goodbye.wav"]
    assert {p.split("/")[1] for p in played} <= {n.split("/")[1] for n in shipped.audio_files if n.startswith("fa/")}


def test_without_a_day_the_promise_falls_back_to_the_hours_sentence(shipped):
    promised: dict = {}
    done = _answer(shipped, "consent", _ctx(promised=promised), Event(digits="2"))
    assert promised["asked"] == ("zebera", "any")  # a state from before the window: any time
    hours = shipped.promise_hours.get("zebera", 24)
    assert _spoken(done)[0] == shipped.prompts["cb_created"]["de"].replace("{number}", str(hours))


def test_the_window_travels_through_the_voice_message_to_the_promise(shipped):
    promised = {"day": WEDNESDAY}
    recording = _answer(shipped, "consent_2", _ctx(promised=promised), Event(digits="1"))
    assert recording.actions[-2].state.sub == "recorded_2" and recording.actions[-1].state.sub == "recorded_2"
    done = _answer(shipped, "recorded_2", _ctx(promised=promised), Event(recording_url="https://api.twilio.com/R1",
                                                                           recording_sid="RE1"))
    assert promised["asked"] == ("zebera", "afternoon") and "Mittwoch" in _spoken(done)[1]


def test_only_mobile_numbers_are_told_mobile():
    assert check_number("017612345678", ["DE"]).mobile
    assert not check_number("02021234567", ["DE"]).mobile
    assert check_number("02021234567", ["DE"]).ok


def test_the_daily_limit_per_number_ends_the_call(shipped):
    step = _answer(shipped, "choice", _ctx(today=shipped.callback_limit), Event(digits="1"))
    assert not step.effects and isinstance(step.actions[-1], Hangup)


def test_a_keyed_number_is_read_back_and_refused_kinds_are_named(shipped):
    step = _answer(shipped, "entry", _ctx(), Event(digits="017612345678"))
    assert step.actions[-1].state.sub == "confirm" and step.actions[-1].state.number == MOBILE
    refused = _answer(shipped, "entry", _ctx(), Event(digits="09001234"))
    spoken = [i.text for a in refused.actions if hasattr(a, "items") for i in a.items]
    assert shipped.prompts["cb_refused"]["de"] in spoken
    assert refused.actions[-1].state.entries == 1


def test_failed_entries_end_at_the_information_desk_when_it_is_open(shipped):
    last = shipped.entry_attempts - 1
    dialled = _answer(shipped, "entry", _ctx(info_open=True), Event(digits="1"), entries=last)
    assert isinstance(dialled.actions[-1], Dial)
    assert dialled.actions[-1].number == shipped.desk_numbers[shipped.fallback_desk]
    closed = _answer(shipped, "entry", _ctx(info_open=False), Event(digits="1"), entries=last)
    assert isinstance(closed.actions[-1], Hangup)


def test_consent_records_a_message_that_is_attached_to_the_request(shipped):
    recording = _answer(shipped, "consent", _ctx(), Event(digits="1"))
    assert isinstance(recording.actions[-2], Record)
    assert recording.actions[-2].max_length == shipped.recording_seconds
    done = _answer(shipped, "recorded", _ctx(), Event(recording_url="https://api.twilio.com/R1", recording_sid="RE1",
                                                      recording_duration=12))
    assert done.effects == (RecordingAttached("zebera", "https://api.twilio.com/R1", "RE1", 12),)
    assert isinstance(done.actions[-1], Hangup)


def test_zero_at_the_window_the_sms_offer_and_the_consent_reaches_a_person(shipped):
    for sub in ("window_m", "sms_1", "consent_1"):
        step = runtime.step(shipped, State("desk_zebera", "de", shipped.version, "hotline", sub=sub),
                            Event(digits="0"), _ctx(info_open=True))
        assert isinstance(step.actions[-1], Dial) and not any(isinstance(e, CallbackRefined) for e in step.effects)
