"""Callback capture at a desk: the caller ID or a keyed number, read back, consent, limits, a person at the end."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from ivr.engine import capture
from ivr.engine.hours import DeskStatus
from ivr.engine.model import CallbackRequested
from ivr.engine.model import Context
from ivr.engine.model import Dial
from ivr.engine.model import Event
from ivr.engine.model import Gather
from ivr.engine.model import Hangup
from ivr.engine.model import NumberCheck
from ivr.engine.model import Outcome
from ivr.engine.model import Reached
from ivr.engine.model import Record
from ivr.engine.model import RecordingAttached
from ivr.engine.model import State
from ivr.engine.output import Output

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
MOBILE = "+4917612345678"


def _check(raw: str) -> NumberCheck:
    if raw.startswith("0900"):
        return NumberCheck(False, None, "premium")
    return NumberCheck(True, MOBILE) if raw in (MOBILE, "017612345678") else NumberCheck(False, None, "invalid")


def _ctx(caller: str | None = MOBILE, open_callback: bool | None = False, today: int | None = 0,
         info_open: bool = False) -> Context:
    return Context(now=NOW, caller=caller, check_number=_check,
                   desk_status=lambda desk: DeskStatus(info_open and desk == "info", "hours", None),
                   has_open_callback=lambda desk, phone: open_callback, callbacks_today=lambda phone: today)


def _answer(bundle, sub: str, ctx: Context, event: Event, **state):
    node = bundle.flow.nodes["desk_zebera"]
    out = Output(bundle, State(node.id, "de", bundle.version, "hotline", sub=sub, **state))
    capture.answer(out, node, out.state, event, ctx)
    return out.step()


def _offer(bundle, ctx: Context):
    node = bundle.flow.nodes["desk_zebera"]
    out = Output(bundle, State(node.id, "de", bundle.version, "hotline"))
    capture.offer(out, node, out.state, ctx)
    return out.step()


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


def test_accepting_the_caller_id_requests_the_callback_then_asks_for_consent(shipped):
    step = _answer(shipped, "choice", _ctx(), Event(digits="1"))
    assert step.effects == (CallbackRequested("zebera", MOBILE, "de"), Reached("zebera", Outcome.CALLBACK_REQUESTED))
    assert step.actions[-1].state.sub == "consent"


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
