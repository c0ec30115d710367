"""The offered person's call through the real webhooks (signed, in-process app, real database and Redis): the
whisper in their language, accepting into `<Dial><Queue>`, declining, the bridge, the end and wrap-up, the call's
status, and requests for offers that are no longer theirs."""

from __future__ import annotations

import pytest
from rq import Queue

from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users

PERSON_CALL = "CA" + "9" * 32


@pytest.fixture
def person(engine, clock):
    def make(name: str, languages=("de", "ar"), ui_lang: str = "de") -> int:
        with engine.begin() as conn:
            user_id = users.create(conn, name, "a long test password", "staff", clock(), phone="+4915112345601",
                                   languages=languages, ui_lang=ui_lang)
            users.add_desk(conn, name, "info")
            presence.set_status(conn, user_id, presence.AVAILABLE, clock())
        return user_id

    return make


@pytest.fixture
def offered(engine, clock, person):
    """An Arabic caller who waited 2 minutes 10 seconds, offered to bashir (German interface)."""
    def make(name: str = "bashir", ui_lang: str = "de", sid: str = "CA" + "a" * 32, waited: int = 130):
        user_id = person(name, ui_lang=ui_lang)
        with engine.begin() as conn:
            entry = queueing.join(conn, sid, "info", "ar", clock())
        clock.advance(seconds=waited)
        with engine.begin() as conn:
            assert queueing.offer(conn, entry.id, user_id, clock())
            queueing.note_offer_call(conn, entry.id, user_id, PERSON_CALL)
        return entry, user_id

    return make


def _leg(phone, call_sid: str = PERSON_CALL):
    """The person's call as Twilio posts its webhooks: outbound from the hotline number."""
    return phone(call_sid=call_sid, caller="+4920274763333", to="+4915112345601")


def _post(leg, path: str, entry_id: int, user_id: int, **extra: str):
    from tests.support.phone import Turn
    from tests.support.phone import check_twiml

    url = f"/voice/agent/{path}?e={entry_id}&u={user_id}"
    _, body = leg.send(url, {"Direction": "outbound-api", **extra})
    return Turn(url, check_twiml(body))


def _ended(leg, entry_id: int, user_id: int, **extra: str) -> None:
    """The offer call's status callback (answered 204, no TwiML)."""
    leg.send(f"/voice/agent/status?e={entry_id}&u={user_id}", {"Direction": "outbound-api", **extra}, expect=204)


def _state(engine, entry_id: int) -> queueing.Entry:
    with engine.connect() as conn:
        return queueing.entry_by_id(conn, entry_id)


def test_the_whisper_names_desk_language_and_wait_in_the_persons_language(phone, offered):
    entry, bashir = offered()
    turn = _post(_leg(phone), "whisper", entry.id, bashir)
    assert turn.says[0] == "Hotline, Allgemeine Information, Arabisch, wartet seit 2 Minuten. Zum Annehmen die 1."
    gather = turn.gather
    assert (gather.attrib["numDigits"], gather.attrib["action"]) == (
        "1", f"http://localhost/voice/agent/accept?e={entry.id}&u={bashir}")
    assert turn.hung_up  # no key at all: the call ends and its status counts as a miss


def test_the_whisper_in_english_for_an_english_interface(phone, offered):
    entry, user_id = offered("emma", ui_lang="en", waited=20)
    turn = _post(_leg(phone), "whisper", entry.id, user_id)
    assert turn.says[0] == "Hotline, General information, Arabic, waiting for less than a minute. Press 1 to accept."
    assert turn.first("Say").attrib["language"] == "en-GB"


def test_pressing_1_takes_the_caller_from_the_desks_arabic_queue(phone, offered, engine):
    entry, bashir = offered()
    turn = _post(_leg(phone), "accept", entry.id, bashir, Digits="1")
    dial = turn.dial
    assert dial.attrib["action"] == f"http://localhost/voice/agent/done?e={entry.id}&u={bashir}"
    queue = turn.first("Queue")
    assert (queue.text, queue.attrib["url"]) == ("info-ar", f"http://localhost/voice/agent/bridge?e={entry.id}&u={bashir}")
    assert _state(engine, entry.id).state == "accepted"
    assert _post(_leg(phone), "accept", entry.id, bashir, Digits="1").first("Queue").text == "info-ar"  # repeated


def test_another_key_declines_the_person_is_paused_and_the_caller_offered_again(phone, offered, engine, clock,
                                                                                 redis_conn):
    entry, bashir = offered()
    turn = _post(_leg(phone), "accept", entry.id, bashir, Digits="2")
    assert turn.hung_up and "nächste Person" in turn.text
    assert _state(engine, entry.id).state == "waiting"
    with engine.connect() as conn:
        assert presence.current(conn, bashir, clock()).reason == queueing.MISSED
    assert [j.func_name for j in Queue("calls", connection=redis_conn).get_jobs()] == ["workers.dispatch.dispatch"]


def test_an_offer_that_is_no_longer_theirs_is_taken(phone, offered, engine, clock):
    entry, bashir = offered()
    with engine.begin() as conn:
        queueing.miss(conn, entry.id, bashir, clock())  # the sweep was faster
    for path, extra in (("whisper", {}), ("accept", {"Digits": "1"})):
        turn = _post(_leg(phone), path, entry.id, bashir, **extra)
        assert turn.text == "Dieser Anruf ist schon vergeben. Danke." and turn.hung_up
    assert _state(engine, entry.id).state == "waiting"


def test_bridge_then_done_connects_and_starts_the_wrap_up(phone, offered, engine, clock):
    entry, bashir = offered()
    _post(_leg(phone), "accept", entry.id, bashir, Digits="1")
    clock.advance(seconds=5)
    caller = phone(call_sid=entry.call_sid)
    _post(caller, "bridge", entry.id, bashir, QueueSid="QU" + "1" * 32, QueueTime="135",
          DequeingCallSid=PERSON_CALL)
    found = _state(engine, entry.id)
    assert (found.state, found.agent_id, found.wait_seconds) == ("connected", bashir, 135)
    clock.advance(seconds=120)
    turn = _post(_leg(phone), "done", entry.id, bashir, DialCallStatus="completed", DialCallDuration="120")
    assert turn.hung_up
    with engine.connect() as conn:
        now = presence.current(conn, bashir, clock())
        assert now.status == presence.WRAP_UP
        assert queueing.agents(conn, clock(), "info")[0].busy_with is None
    _ended(_leg(phone), entry.id, bashir, CallStatus="completed")  # the call's end changes nothing more
    with engine.connect() as conn:
        assert presence.current(conn, bashir, clock()) == now
        assert [k for _, k, _, _ in queueing.history(conn, entry.call_sid)] == [
            "joined", "offered", "accepted", "connected"]


def test_a_person_who_hangs_up_mid_talk_goes_to_wrap_up_by_the_status(phone, offered, engine, clock):
    entry, bashir = offered()
    _post(_leg(phone), "accept", entry.id, bashir, Digits="1")
    _post(phone(call_sid=entry.call_sid), "bridge", entry.id, bashir, DequeingCallSid=PERSON_CALL)
    _ended(_leg(phone), entry.id, bashir, CallStatus="completed", CallDuration="80")
    with engine.connect() as conn:
        assert presence.current(conn, bashir, clock()).status == presence.WRAP_UP


def test_an_offer_call_that_ends_unanswered_is_a_miss(phone, offered, engine, clock):
    entry, bashir = offered()
    _ended(_leg(phone), entry.id, bashir, CallStatus="no-answer")
    assert _state(engine, entry.id).state == "waiting"
    with engine.connect() as conn:
        assert presence.current(conn, bashir, clock()) == presence.Presence(presence.PAUSED, clock(), queueing.MISSED)
        assert queueing.history(conn, entry.call_sid)[-1][1:] == ("missed", bashir, "no-answer")


def test_two_offers_of_one_queue_accepted_in_the_other_order_swap(phone, person, engine, clock):
    """Twilio's `<Dial><Queue>` takes the queue's head: the second person gets the first caller, and the first
    person's offer moves to the second caller, whom their acceptance then takes."""
    anna, bashir = person("anna"), person("bashir")
    with engine.begin() as conn:
        first = queueing.join(conn, "CA" + "1" * 32, "info", "ar", clock())
        clock.advance(seconds=10)
        second = queueing.join(conn, "CA" + "2" * 32, "info", "ar", clock())
        queueing.offer(conn, first.id, anna, clock())
        queueing.offer(conn, second.id, bashir, clock())
    bashir_leg, anna_leg = _leg(phone, "CA" + "b" * 32), _leg(phone, "CA" + "c" * 32)
    assert _post(bashir_leg, "accept", second.id, bashir, Digits="1").first("Queue").text == "info-ar"
    _post(phone(call_sid=first.call_sid), "bridge", second.id, bashir, DequeingCallSid=bashir_leg.call_sid)
    assert (_state(engine, first.id).state, _state(engine, first.id).agent_id) == ("connected", bashir)
    assert (_state(engine, second.id).state, _state(engine, second.id).agent_id) == ("offered", anna)
    turn = _post(anna_leg, "accept", first.id, anna, Digits="1")  # her whisper named the first caller
    assert turn.first("Queue") is not None
    assert turn.dial.attrib["action"].endswith(f"e={second.id}&u={anna}")
    _post(phone(call_sid=second.call_sid), "bridge", second.id, anna, DequeingCallSid=anna_leg.call_sid)
    assert (_state(engine, second.id).state, _state(engine, second.id).agent_id) == ("connected", anna)


def test_requests_without_ids_or_with_forged_ones_change_nothing(phone, offered, engine):
    entry, bashir = offered()
    leg = _leg(phone)
    _, body = leg.send("/voice/agent/accept?e=x&u=1", {"Direction": "outbound-api", "Digits": "1"})
    assert b"schon vergeben" in body
    _, body = leg.send(f"/voice/agent/accept?e={entry.id}&u={bashir + 1}", {"Direction": "outbound-api",
                                                                           "Digits": "1"})
    assert b"schon vergeben" in body
    assert _state(engine, entry.id).state == "offered"
