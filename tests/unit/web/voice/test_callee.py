"""Click-to-call's callee leg through the real app (REST stand-in on loopback, signed webhooks, real database and
Redis): the caller hears who calls in their language and presses 1 before the staff member is connected; no key
is an attempt not reached, logged once; after the desk's last attempt the "could not reach you" SMS is asked for
when the caller consented."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
import redis
import sqlalchemy as sa

from ivr.hotline import callbacks
from ivr.store import jobqueue
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import sms_messages
from ivr.store.db import users as users_table
from tests.factories import make_settings
from tests.support.phone import Turn
from tests.support.phone import check_twiml
from tests.unit.telephony.test_rest import SID
from tests.unit.telephony.test_rest import StandIn

STAFF_PHONE = "+4915112345678"
CALLER = "+4917699887766"


@pytest.fixture
def twilio():
    with StandIn() as stand_in:
        yield stand_in


@pytest.fixture
def settings(tmp_path, database_url, redis_url, engine, redis_conn, twilio):
    return make_settings(tmp_path, database_url, redis_url, twilio_account_sid=SID, twilio_api_base=twilio.base)


@pytest.fixture
def sms(monkeypatch):
    """The SMS requests the web asks the worker for (jobqueue.request_sms stands in for the SMS side)."""
    asked: list[tuple[int, str]] = []
    monkeypatch.setattr(jobqueue, "request_sms", lambda conn, task_id, kind: asked.append((task_id, kind)) or True)
    return asked


def _task(engine, make_task, language="de", attempts=0, sms_consent=None, window=None) -> int:
    task = make_task(phone=CALLER, language=language)
    with engine.begin() as conn:
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == task)
                     .values(attempts=attempts, sms_consent=sms_consent, window=window))
    return task


def _user_id(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(users_table.c.id).where(users_table.c.username == name)).scalar_one()


def _start(people, twilio, task: int) -> str:
    """Anna clicks "Anrufen": the callee leg's URL from the call Twilio was asked to make."""
    anna = people("anna", phone=STAFF_PHONE)
    assert anna.post(f"/staff/tasks/{task}/call").status_code == 302
    [sent] = twilio.requests
    number = ET.fromstring(sent["form"]["Twiml"]).find("Dial/Number")
    assert number is not None and number.text == CALLER
    assert number.get("method") == "POST"
    url = number.get("url")
    assert url is not None and url.startswith("http://localhost/voice/callee?")
    assert number.get("statusCallback") == url.replace("/voice/callee?", "/voice/callee/status?")
    assert (number.get("statusCallbackEvent"), number.get("statusCallbackMethod")) == ("completed", "POST")
    return urlsplit(url).path + "?" + urlsplit(url).query


def _leg(phone):
    """The caller's leg of the staff member's call, as Twilio posts its webhooks."""
    return phone(call_sid="CA" + "c" * 32, caller="+4920274763333", to=CALLER)


def _post(leg, url: str, **extra: str) -> Turn:
    _, body = leg.send(url, {"Direction": "outbound-dial", "ParentCallSid": "CA" + "9" * 32, **extra})
    return Turn(url, check_twiml(body))


def _row(engine, task: int) -> dict:
    with engine.connect() as conn:
        return callbacks.get(conn, task)


def _sms(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(sms_messages.c.dedupe_key, sms_messages.c.kind,
                                                         sms_messages.c.status, sms_messages.c.phone))]


def _history(engine, task: int) -> list[tuple]:
    with engine.connect() as conn:
        return [(e["actor"], e["kind"], e["outcome"]) for e in callbacks.history(conn, task)]


def test_the_call_dials_the_caller_through_the_signed_callee_message(people, make_task, twilio, engine):
    task = _task(engine, make_task, attempts=1)
    url = _start(people, twilio, task)
    assert url == f"/voice/callee?t={task}&u={_user_id(engine, 'anna')}&n=1"
    [sent] = twilio.requests
    assert (sent["path"], sent["form"]["To"], sent["form"]["From"]) == (
        f"/2010-04-01/Accounts/{SID}/Calls.json", STAFF_PHONE, "+4920274763333")
    staff_hears = ET.fromstring(sent["form"]["Twiml"]).findtext("Say")
    assert "sobald sie die 1 drückt" in staff_hears  # the staff member knows why the caller is not there at once


def test_the_callee_hears_who_calls_in_arabic_and_1_connects(people, make_task, twilio, engine, phone):
    task = _task(engine, make_task, language="ar")
    url = _start(people, twilio, task)
    turn = _post(_leg(phone), url)
    gathers = turn.root.findall("Gather")
    assert len(gathers) == 2  # said twice
    assert gathers[0].get("numDigits") == "1" and gathers[0].get("actionOnEmptyResult") == "false"
    key_url = gathers[0].get("action")
    assert key_url == "http://localhost" + url.replace("/voice/callee?", "/voice/callee/key?")
    say = gathers[0].find("Say")
    assert say is not None and (say.get("voice"), say.get("language")) == ("Polly.Zeina", "arb")
    assert "بيت الاندماج" in say.text and "1" in say.text
    assert turn.first("Redirect").text == key_url  # no key at all: the key URL without Digits
    connected = _post(_leg(phone), key_url, Digits="1")
    assert connected.verbs == []  # an empty answer: Twilio bridges the staff member
    assert _row(engine, task)["attempts"] == 0


@pytest.mark.parametrize("language", ["fa", "kmr", "uk"])
def test_a_language_without_a_twilio_voice_plays_its_recording(people, make_task, twilio, engine, phone, language):
    task = _task(engine, make_task, language=language)
    turn = _post(_leg(phone), _start(people, twilio, task))
    assert turn.plays == [f"http://localhost/static/audio/{language}/callee.wav"] * 2 and turn.says == []


def test_in_german_the_message_names_the_house(people, make_task, twilio, engine, phone):
    task = _task(engine, make_task)
    turn = _post(_leg(phone), _start(people, twilio, task))
    assert turn.says[0].startswith("Hier ist der Rückruf des Hauses der Integration")
    assert "drücken Sie die 1" in turn.says[0]


def test_no_key_is_an_attempt_not_reached_logged_once(people, make_task, twilio, engine, phone, sms):
    task = _task(engine, make_task, sms_consent=True)
    url = _start(people, twilio, task)
    key_url = url.replace("/voice/callee?", "/voice/callee/key?")
    assert _post(_leg(phone), key_url).hung_up  # Twilio's Redirect after the second message: no Digits
    row = _row(engine, task)
    assert (row["status"], row["attempts"], row["holder_id"]) == ("open", 1, None)
    assert row["next_attempt_at"] is not None
    assert _history(engine, task)[-1] == ("anna", "attempt", "no_answer")
    assert _post(_leg(phone), key_url).hung_up  # Twilio repeats the request: nothing more is logged
    assert _post(_leg(phone), url).hung_up  # the message for a call whose attempt is logged: hang up
    assert _row(engine, task)["attempts"] == 1
    assert sms == []  # not the last attempt: no SMS yet


def test_another_key_hears_the_message_once_more(people, make_task, twilio, engine, phone):
    task = _task(engine, make_task)
    key_url = _start(people, twilio, task).replace("/voice/callee?", "/voice/callee/key?")
    again = _post(_leg(phone), key_url, Digits="5")
    assert again.gather is not None and again.gather.get("action").endswith("&r=1")
    assert _row(engine, task)["attempts"] == 0
    assert _post(_leg(phone), again.gather.get("action").removeprefix("http://localhost"), Digits="7").hung_up
    assert _row(engine, task)["attempts"] == 1


def test_the_last_attempt_not_reached_closes_the_task_and_asks_for_the_sms(people, make_task, twilio, engine,
                                                                           phone, sms):
    task = _task(engine, make_task, attempts=2, sms_consent=True)  # the house's third and last attempt
    key_url = _start(people, twilio, task).replace("/voice/callee?", "/voice/callee/key?")
    assert _post(_leg(phone), key_url).hung_up
    row = _row(engine, task)
    assert (row["status"], row["outcome"]) == ("closed", "unreachable")
    assert sms == [(task, "unreached")]
    assert _sms(engine) == [(f"unreached:{task}", "unreached", "pending", CALLER)]  # recorded with the closing
    assert _post(_leg(phone), key_url).hung_up
    _leg_ended(_leg(phone), key_url.replace("/voice/callee/key?", "/voice/callee?"), "no-answer")
    assert sms == [(task, "unreached")]  # asked once
    assert len(_sms(engine)) == 1


def test_with_redis_failing_the_unreached_sms_waits_recorded_for_the_sweep(people, make_task, twilio, engine,
                                                                           phone, monkeypatch):
    def down(*args, **kwargs):
        raise redis.ConnectionError("Redis is down")

    monkeypatch.setattr(jobqueue, "request_sms", down)
    task = _task(engine, make_task, attempts=2, sms_consent=True)
    assert _post(_leg(phone), _start(people, twilio, task).replace("/voice/callee?", "/voice/callee/key?")).hung_up
    assert _row(engine, task)["outcome"] == "unreachable"  # the caller's task is closed all the same
    assert _sms(engine) == [(f"unreached:{task}", "unreached", "pending", CALLER)]  # workers.sms.sweep sends it


def test_a_landline_is_not_texted(people, make_task, engine, sms):
    task = make_task(phone="+492025630000", language="de")
    with engine.begin() as conn:
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == task).values(attempts=2, sms_consent=True))
    anna = people("anna")
    assert anna.post(f"/staff/tasks/{task}/attempt", {"outcome": "no_answer", "then": "schedule"}).status_code == 302
    assert _sms(engine) == [(f"unreached:{task}", "unreached", "refused", "+492025630000")]
    assert sms == []


def test_without_sms_consent_no_sms_is_asked_for(people, make_task, twilio, engine, phone, sms):
    task = _task(engine, make_task, attempts=2, sms_consent=False)
    assert _post(_leg(phone), _start(people, twilio, task).replace("/voice/callee?", "/voice/callee/key?")).hung_up
    assert _row(engine, task)["outcome"] == "unreachable"
    assert sms == [] and _sms(engine) == []


def test_the_attempt_form_asks_for_the_sms_after_the_last_failed_attempt(people, make_task, engine, sms):
    task = _task(engine, make_task, attempts=2, sms_consent=True)
    anna = people("anna")
    assert anna.post(f"/staff/tasks/{task}/attempt", {"outcome": "busy", "then": "schedule"}).status_code == 302
    assert _row(engine, task)["outcome"] == "unreachable"
    assert sms == [(task, "unreached")]
    assert _sms(engine) == [(f"unreached:{task}", "unreached", "pending", CALLER)]


def _leg_ended(leg, url: str, status: str) -> None:
    """The status callback of the caller's leg (answered 204, no TwiML)."""
    leg.send(url.replace("/voice/callee?", "/voice/callee/status?"),
             {"Direction": "outbound-dial", "ParentCallSid": "CA" + "9" * 32, "CallStatus": status,
              "CallDuration": "0", "CallbackSource": "call-progress-events", "SequenceNumber": "0"}, expect=204)


@pytest.mark.parametrize(("status", "outcome", "note"), [("no-answer", "no_answer", "automatisch: nicht abgenommen"),
                                                         ("busy", "busy", "automatisch: besetzt")])
def test_a_caller_who_does_not_pick_up_is_not_reached(people, make_task, twilio, engine, phone, status, outcome,
                                                      note):
    task = _task(engine, make_task)
    url = _start(people, twilio, task)
    _leg_ended(_leg(phone), url, status)
    _leg_ended(_leg(phone), url, status)  # repeated: logged once
    row = _row(engine, task)
    assert (row["status"], row["attempts"]) == ("open", 1)
    with engine.connect() as conn:
        last = callbacks.history(conn, task)[-1]
    assert (last["actor"], last["kind"], last["outcome"], last["note"]) == ("anna", "attempt", outcome, note)


@pytest.mark.parametrize("status", ["completed", "canceled"])
def test_an_answered_or_cancelled_leg_is_left_to_the_person(people, make_task, twilio, engine, phone, status):
    task = _task(engine, make_task)
    _leg_ended(_leg(phone), _start(people, twilio, task), status)
    assert _row(engine, task)["attempts"] == 0


def test_an_unsigned_or_reshaped_callee_request_is_refused(people, make_task, twilio, engine, phone, client):
    task = _task(engine, make_task)
    url = _start(people, twilio, task)
    assert client.post(url, data={"CallSid": "CA" + "c" * 32}).status_code == 403
    leg = _leg(phone)
    leg.send(url.replace("/voice/callee?", "/voice/callee/key?"), {"Direction": "outbound-dial", "Digitz": "1"},
             expect=403)
    assert _row(engine, task)["attempts"] == 0
