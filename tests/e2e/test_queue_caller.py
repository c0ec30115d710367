"""A caller in the information desk's live queue over real HTTP (gunicorn with two processes, `ivr worker`, real
Redis and database), driven with Twilio's queue semantics: the waitUrl asked again and again with QueuePosition,
QueueTime and CurrentQueueSize, then the `<Enqueue>` action with a QueueResult."""

from __future__ import annotations

import pytest

from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users
from tests.support.clock import berlin
from tests.support.phone import digits_in

pytestmark = pytest.mark.e2e


def _sign_in(engine, name: str = "anna", desk: str = "info", languages=("de", "ar")) -> int:
    with engine.begin() as conn:
        user_id = users.create(conn, name, "a long test password", "staff", berlin("2026-11-24 09:00"),
                               phone="+4915112345678", languages=languages)
        users.add_desk(conn, name, desk)
        presence.set_status(conn, user_id, presence.AVAILABLE, berlin("2026-11-24 09:00"))
    return user_id


def _entry(engine, call_sid: str) -> queueing.Entry | None:
    with engine.connect() as conn:
        return queueing.entry(conn, call_sid)


def _call(stack, sid):
    response = stack.api(f"/api/calls/{sid}")
    return response.json() if response.status_code == 200 else None


def test_a_waiting_caller_hears_the_place_presses_1_and_gets_a_callback_keeping_the_queue_time(stack, engine):
    _sign_in(engine)
    caller = stack.phone(caller="+4915123456789")
    caller.call()
    caller.press("2")  # Arabic
    turn = caller.press("0")  # a person: the information desk's queue
    assert turn.enqueue.text == "info-ar"
    turn = caller.wait(position=2, queue_time=0, size=2)
    assert turn.says[0] == "دورك في قائمة الانتظار هو رقم 2."
    assert turn.first("Say").attrib["voice"] == "Polly.Zeina"
    assert turn.plays == [stack.base + "/static/audio/hold/music.wav"]
    turn = caller.wait(position=1, queue_time=17, size=2)  # the next stretch: only music
    assert turn.says == []
    stack.clock.set("2026-11-24 10:00:30")
    turn = caller.press("1")  # call me back, keep my place
    assert caller.turns[-2].left
    assert digits_in(turn.gather.find("Say").text) == "015123456789"
    turn = caller.press("1")  # this number
    caller.press("3")  # any time
    caller.press("2")  # no SMS
    turn = caller.press("2")  # no message
    assert turn.hung_up
    caller.hang_up(duration=75)
    entry = _entry(engine, caller.call_sid)
    assert (entry.state, entry.leave_reason, entry.result, entry.wait_seconds) == ("ended", "caller", "callback", 30)
    tasks = stack.eventually(lambda: stack.api("/api/callbacks?desk=info").json()["callbacks"], bool)
    assert [(t["phone"], t["language"]) for t in tasks] == [("+4915123456789", "ar")]
    call = stack.eventually(lambda: _call(stack, caller.call_sid), lambda c: c and c["ended_at"])
    assert (call["outcome"], call["desk"]) == ("callback_requested", "info")


def test_a_caller_put_through_is_answered_and_one_who_hangs_up_abandoned(stack, engine):
    anna = _sign_in(engine)
    answered, gone = stack.phone(), stack.phone(caller="+4915123456780")
    for caller in (answered, gone):
        caller.call()
        caller.press("1")
        assert caller.press("0").enqueue.text == "info-de"
        assert caller.wait(queue_time=0).says[0].startswith("Sie sind auf Platz ")
    stack.clock.set("2026-11-24 10:00:20")
    with engine.begin() as conn:
        queueing.connect(conn, answered.call_sid, anna, berlin("2026-11-24 10:00:20"))  # the person's bridge
    stack.clock.set("2026-11-24 10:03:20")
    assert answered.queue_ends("bridged", queue_time=20).hung_up
    assert gone.queue_ends("hangup", queue_time=200).hung_up
    first = _entry(engine, answered.call_sid)
    assert (first.result, first.wait_seconds, first.talk_seconds, first.agent_id) == ("answered", 20, 180, anna)
    second = _entry(engine, gone.call_sid)
    assert (second.result, second.wait_seconds) == ("abandoned", 200)
    # the worker records each outcome from the action's event (the status callback's merge is the call record's)
    call = stack.eventually(lambda: _call(stack, answered.call_sid), lambda c: c and c["outcome"])
    assert (call["outcome"], call["desk"]) == ("answered", "info")
    call = stack.eventually(lambda: _call(stack, gone.call_sid), lambda c: c and c["outcome"])
    assert (call["outcome"], call["desk"]) == ("abandoned", "info")


def test_the_last_person_signing_out_leads_waiting_callers_into_the_callback_capture(stack, engine):
    anna = _sign_in(engine)
    caller = stack.phone()
    caller.call()
    caller.press("1")
    caller.press("0")
    caller.wait(queue_time=0)
    with engine.begin() as conn:
        presence.set_status(conn, anna, presence.SIGNED_OUT, berlin("2026-11-24 10:00"))
    turn = caller.wait(queue_time=15)
    assert turn.says[:2] == ["Leider ist jetzt niemand mehr erreichbar.", "Wir können Sie zurückrufen."]
    assert _entry(engine, caller.call_sid).result == "nobody"


def test_nobody_signed_in_is_the_callback_capture_at_once(stack, engine):
    caller = stack.phone()
    caller.call()
    caller.press("1")
    turn = caller.press("0")
    assert turn.enqueue is None and turn.dialed is None
    assert turn.says[:2] == ["Leider ist gerade niemand frei.", "Wir können Sie zurückrufen."]
