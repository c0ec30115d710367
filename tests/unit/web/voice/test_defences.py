"""Webhooks that cannot be forged by re-splitting the signed form, replayed, or poison the call record."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr.hotline import callbacks
from ivr.store.db import calls
from ivr.store.db import events
from tests.factories import TOKEN

HOSTILE_FROM = "+999" + "9" * 31 + "<svg onload=alert(1)>"  # 56 characters: the probe's was 62
HOSTILE_STATUS = "completed" + "<script>alert(document.cookie)</script>" * 2  # 81 characters


def _signed(url: str, form: dict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, form)}


def _tracked_path(app, call_sid: str) -> list[str]:
    """The call's path as Redis holds it, after this process's tracker wrote what it has."""
    board = app.extensions["ivr.web.voice"]
    board.tracker.flush()
    return [m.decode().split(":", 2)[2] for m in board.container.redis.zrange(f"ivr:call:{call_sid}:path", 0, -1)]


def _at_menu(phone):
    caller = phone()
    caller.call()
    caller.press("1")  # German: the privacy notice, then the topic menu
    return caller


class TestResplitForm:
    """Twilio signs key+value with no separator: boundaries moved between them keep the signature."""

    def test_key_split_keeps_the_signature_but_is_refused(self, phone, client, caplog):
        caller = _at_menu(phone)
        url, form, headers = caller.sent[-1]
        action = caller.last.gather.attrib["action"]
        signed = dict(form, Digits="1", FinishedOnKey="")
        headers = _signed(action, signed)
        forged = {k: v for k, v in signed.items() if k != "Digits"} | {"Digit": "s1"}
        assert RequestValidator(TOKEN).validate(action, forged, headers["X-Twilio-Signature"])  # the flaw itself
        caplog.set_level(logging.WARNING)
        assert client.post(action, data=forged, headers=headers).status_code == 403
        assert "unknown keys 'Digit'" in caplog.text
        assert client.post(action, data=signed, headers=headers).status_code == 200  # the genuine one is taken

    def test_key_merged_into_the_previous_value_is_refused(self, phone, client):
        caller = _at_menu(phone)
        _, form, _ = caller.sent[-1]
        action = caller.last.gather.attrib["action"]
        signed = dict(form, Digits="1", FinishedOnKey="")
        headers = _signed(action, signed)
        before = max(k for k in signed if k < "Digits")  # CallerZip, empty: it may swallow Digits=1
        merged = {k: v for k, v in signed.items() if k != "Digits"} | {before: signed[before] + "Digits1"}
        assert RequestValidator(TOKEN).validate(action, merged, headers["X-Twilio-Signature"])
        assert client.post(action, data=merged, headers=headers).status_code == 403
        status = {k: v for k, v in signed.items() if k not in ("Called", "CalledCity", "CalledCountry",
                                                               "CalledState", "CalledZip", "Caller", "CallerCity",
                                                               "CallerCountry", "CallerState", "CallerZip")}
        headers = _signed(action, status)  # without the legacy keys CallStatus comes right before Digits
        status["CallStatus"] += "Digits1"
        del status["Digits"]
        assert client.post(action, data=status, headers=headers).status_code == 403

    @pytest.mark.parametrize("missing", ["CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion",
                                         "Direction"])
    def test_missing_required_key_is_refused(self, phone, client, missing):
        caller = phone()
        url = "http://localhost/voice/incoming"
        form = {k: v for k, v in caller._params().items() if k != missing}
        assert client.post(url, data=form, headers=_signed(url, form)).status_code == 403

    def test_unknown_key_is_refused_and_logged_without_its_value(self, phone, client, caplog):
        caller = phone(caller="+4917612345699")
        url = "http://localhost/voice/incoming"
        hostile = "From+4917612345699"
        form = caller._params({hostile: "x", "Bogus": "+4917612345699"})
        caplog.set_level(logging.WARNING)
        assert client.post(url, data=form, headers=_signed(url, form)).status_code == 403
        assert f"unknown keys 'Bogus', <{len(hostile)} other characters>" in caplog.text
        assert "12345699" not in caplog.text

    def test_repeated_key_is_refused(self, phone, client):
        caller = phone()
        url = "http://localhost/voice/incoming"
        form = caller._params()
        body = list(form.items()) + [("To", "+4920212345")]
        signature = RequestValidator(TOKEN).compute_signature(url, MultiDict(body))
        assert client.post(url, data=MultiDict(body), headers={"X-Twilio-Signature": signature}).status_code == 403

    @pytest.mark.parametrize("key, value", [("AccountSid", "AC" + "g" * 32), ("CallSid", "CA123"),
                                            ("CallStatus", HOSTILE_STATUS), ("Direction", "sideways"),
                                            ("ApiVersion", "2008-08-01")])
    def test_value_outside_its_vocabulary_is_refused(self, phone, client, key, value):
        caller = phone()
        url = "http://localhost/voice/incoming"
        form = caller._params({key: value})
        assert client.post(url, data=form, headers=_signed(url, form)).status_code == 403

    def test_every_webhook_of_the_test_caller_passes(self, phone):
        """The test caller sends what Twilio sends; each turn asserts its own 200/204."""
        caller = phone()
        caller.call()
        caller.press("1")
        caller.press("1")
        caller.hang_up()
        assert caller.send("/voice/fallback", {"ErrorCode": "11200", "ErrorUrl": "https://x.example/voice/step"})


class TestReplays:
    def test_replayed_menu_step_answers_the_same_and_adds_no_node(self, phone, client, app, redis_conn):
        """A step that depends only on the URL and the keys is harmless replayed: not even checked (no Redis)."""
        caller = _at_menu(phone)
        turn = caller.press("1")
        path = _tracked_path(app, caller.call_sid)
        url, form, headers = caller.sent[-1]
        replayed = client.post(url, data=form, headers=headers)
        assert replayed.status_code == 200
        assert ET.tostring(ET.fromstring(replayed.data)) == ET.tostring(turn.root)  # the same answer
        assert _tracked_path(app, caller.call_sid) == path
        assert len(path) == len(set(path)) and path[0] == "greeting"
        assert not list(redis_conn.scan_iter("ivr:seen:*"))  # no menu step of this call paid for the check

    def test_replayed_step_with_effects_is_refused_and_adds_no_node(self, phone, client, app, engine):
        caller = _at_menu(phone)
        caller.press("1")  # residence
        assert caller.press("1").dialed  # the immigration office: a transfer (its desk is an effect)
        assert caller.dial_ends("completed").hung_up  # the Dial action: "reached" stored
        path = _tracked_path(app, caller.call_sid)
        for url, form, headers in caller.sent[-2:]:
            assert client.post(url, data=form, headers=headers).status_code == 409
        assert _tracked_path(app, caller.call_sid) == path and path[0] == "greeting"
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar() == 1

    def test_an_accepted_duplicate_still_writes_the_same_nodes(self, phone, client, app, redis_conn):
        """With the replay check out of reach (Redis flushed of its marks), the path does not grow."""
        caller = _at_menu(phone)
        caller.press("1")
        path = _tracked_path(app, caller.call_sid)
        for key in redis_conn.scan_iter("ivr:seen:*"):
            redis_conn.delete(key)
        for url, form, headers in list(caller.sent):
            assert client.post(url, data=form, headers=headers).status_code == 200
        assert _tracked_path(app, caller.call_sid) == path

    def test_replayed_status_is_acknowledged_and_not_stored_again(self, phone, client, engine, redis_conn):
        """The event's dedupe key keeps the replay out (INSERT ... ON CONFLICT DO NOTHING); no Redis check needed."""
        caller = _at_menu(phone)
        caller.hang_up()
        url, form, headers = caller.sent[-1]
        response = client.post(url, data=form, headers=headers)
        assert response.status_code == 204
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar() == 1
        assert not list(redis_conn.scan_iter("ivr:seen:*"))

    def test_replayed_recording_callback_is_acknowledged_and_not_stored_again(self, phone, engine):
        caller = _at_menu(phone)
        done = {"RecordingSid": "RE" + "a" * 32, "RecordingStatus": "completed", "RecordingDuration": "7",
                "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE" + "a" * 32}
        for _ in range(3):
            caller.send("/voice/recording", done, expect=204)
        with engine.connect() as conn:
            assert conn.execute(sa.select(events.c.kind)).scalars().all() == ["recording_status"]

    def test_replay_after_the_task_was_closed_tells_nothing(self, phone, client, clock, engine, work):
        clock.set("2026-11-24 19:30")  # Tuesday evening: desks closed
        caller = phone(caller="+4917612345611")
        caller.call()
        for key in "714132":  # English, myself, courses, this number, any time, no SMS
            caller.press(key)
        turn = caller.press("2")  # no voice message: the task is created, goodbye
        assert turn.hung_up
        work()
        with engine.begin() as conn:
            (task_id,) = conn.execute(sa.text("SELECT id FROM callbacks")).one()
            assert callbacks.close(conn, task_id, "resolved", datetime.now(UTC))
        url, form, headers = caller.sent[-1]
        response = client.post(url, data=form, headers=headers)
        assert response.status_code == 409
        assert b"<Say" not in response.data
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM callbacks")).scalar() == 1


class TestStoredCallerAndStatus:
    def test_hostile_status_is_refused_at_the_door(self, phone, engine):
        caller = phone()
        caller.send("/voice/status", {"CallStatus": HOSTILE_STATUS}, expect=403)
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(events)).scalar() == 0

    def test_hostile_from_is_not_stored(self, phone, engine, work):
        caller = phone(caller=HOSTILE_FROM)
        caller.call()
        caller.hang_up()
        work()
        with engine.connect() as conn:
            row = conn.execute(sa.select(calls.c.caller, calls.c.status, calls.c.ended_at)).one()
        assert row.caller is None and row.status == "completed" and row.ended_at is not None

    @pytest.mark.parametrize("payload", [
        {"status": HOSTILE_STATUS, "from": "+4917612345678"},
        {"status": "completed", "from": HOSTILE_FROM, "duration": "12"},
        {"status": "completed", "from": "+4917612345678" + "0" * 20, "duration": "１２"},
    ])
    def test_old_events_cannot_poison_the_record(self, engine, work, app, payload):
        """Events stored before the webhook checked them are applied without failing into the dead letters."""
        now = datetime.now(UTC)
        body = dict(payload, received_at=now.isoformat())
        intake = app.extensions["ivr.web.voice"].intake
        event_id = intake.submit("status", "CA" + "5" * 32, f"status:old:{payload['status'][:20]}", body, now)
        work()
        with engine.connect() as conn:
            event = conn.execute(sa.select(events.c.processed_at).where(events.c.id == event_id)).one()
            row = conn.execute(sa.select(calls.c.caller, calls.c.status)).one()
        assert event.processed_at is not None
        assert row.caller is None
        assert row.status == (None if payload["status"] == HOSTILE_STATUS else "completed")
