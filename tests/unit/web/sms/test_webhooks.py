"""Twilio's Messaging webhooks (ivr.web.sms): 403 unsigned, forged or unlike Twilio's form; delivery states onto
the SMS and the task's history; replies: cancel words in Arabic and Ukrainian (and 0) close the caller's open
callbacks and are confirmed, other text is a note on the task answered once, a number without an open callback gets
one neutral answer (or none), an answer at most once an hour, control characters dropped, the body cut at 1600,
a replayed reply changes nothing; the answers sent through the Twilio stand-in."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue
from rq import SimpleWorker

from ivr.container import Container
from ivr.hotline import callbacks
from ivr.hotline import sms
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import sms_messages
from ivr.web.voice.signatures import signature
from tests.factories import TOKEN
from tests.factories import make_settings
from tests.unit.workers.conftest import ACCOUNT
from workers import context

BASE = "http://localhost"
MOBILE = "+4915112345678"
OTHER = "+4915112345679"


@pytest.fixture
def twilio():
    from tests.unit.workers.twilio_standin import TwilioStandIn

    with TwilioStandIn(ACCOUNT, TOKEN) as stand_in:
        yield stand_in


@pytest.fixture
def settings(tmp_path, database_url, redis_url, engine, redis_conn, twilio):
    return make_settings(tmp_path, database_url, redis_url, twilio_account_sid=ACCOUNT, twilio_api_base=twilio.url,
                         public_url=BASE)


@pytest.fixture
def work(settings, redis_conn, clock, monkeypatch):
    """Run the queued SMS jobs in this process with the test's clock."""
    env = Container(settings, clock=clock)
    monkeypatch.setattr(context, "get", lambda: env)
    yield lambda: SimpleWorker([Queue("calls", connection=redis_conn)], connection=redis_conn).work(burst=True)
    env.close()


def _post(client, path: str, form: dict[str, str], token: str = TOKEN, signed: bool = True):
    headers = {"X-Twilio-Signature": signature(token, BASE + path, form)} if signed else {}
    return client.post(path, data=form, headers=headers)


def _reply(client, body: str, phone: str = MOBILE, sid: str = "1", **kw):
    form = {"MessageSid": "SM" + sid.rjust(32, "0"), "SmsSid": "SM" + sid.rjust(32, "0"), "AccountSid": ACCOUNT,
            "From": phone, "To": "+4920274763333", "Body": body, "NumMedia": "0", "NumSegments": "1",
            "SmsStatus": "received", "ApiVersion": "2010-04-01", "FromCountry": "DE"}
    return _post(client, "/sms/incoming", form, **kw)


def _task(engine, clock, desk: str = "auslaenderbehoerde", phone: str = MOBILE, language: str = "ar") -> int:
    with engine.begin() as conn:
        task_id, _ = callbacks.create(conn, desk, phone, language, "CA" + desk.ljust(32, "0")[:32], clock(),
                                      clock() + timedelta(days=2))
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == task_id)
                     .values(reference=f"R-{4820 + task_id}", sms_consent=True))
    return task_id


def _task_row(engine, task_id):
    with engine.connect() as conn:
        return callbacks.get(conn, task_id), callbacks.history(conn, task_id)


def _answers(engine):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(sms_messages).order_by(sms_messages.c.id)).mappings()]


@pytest.mark.parametrize("path", ["/sms/incoming", "/sms/status"])
def test_unsigned_or_forged_webhooks_get_403(client, path):
    form = {"MessageSid": "SM" + "1" * 32, "AccountSid": ACCOUNT, "From": MOBILE, "Body": "0",
            "MessageStatus": "delivered"}
    refused = _post(client, path, form, signed=False)
    assert refused.status_code == 403 and refused.headers["X-Content-Type-Options"] == "nosniff"
    assert _post(client, path, form, token="not the auth token").status_code == 403
    forged = {**form, "AccountSid": "AC" + "b" * 32}  # signed, but not our account's
    assert _post(client, path, forged).status_code == 403
    assert _post(client, path, {**form, "MessageSid": "nonsense"}).status_code == 403


def test_delivery_states_move_the_sms_forward_on_the_tasks_history(client, engine, clock):
    task_id = _task(engine, clock)
    with engine.begin() as conn:
        sms_id = sms.reserve(conn, f"confirm:{task_id}", task_id, "confirm", MOBILE, "ar", clock())
        sms.note_state(conn, sms_id, "queued", clock(), message_sid="SM" + "c" * 32)
    for status in ("sent", "delivered", "sent"):
        form = {"MessageSid": "SM" + "c" * 32, "SmsSid": "SM" + "c" * 32, "AccountSid": ACCOUNT,
                "MessageStatus": status, "SmsStatus": status, "From": "+4920274763333", "To": MOBILE,
                "ApiVersion": "2010-04-01"}
        assert _post(client, "/sms/status", form).status_code == 204
    assert _post(client, "/sms/status", {**form, "MessageStatus": "exploded"}).status_code == 403
    _, history = _task_row(engine, task_id)
    assert [h["outcome"] for h in history] == ["confirm:queued", "confirm:sent", "confirm:delivered"]
    assert _answers(engine)[0]["status"] == "delivered"


@pytest.mark.parametrize(("body", "language"), [("إلغاء", "ar"), ("Скасувати!", "uk"), (" 0 ", "de")])
def test_a_cancel_reply_closes_every_open_callback_and_is_confirmed(client, engine, clock, twilio, work, body,
                                                                    language):
    first, second = _task(engine, clock, language=language), _task(engine, clock, desk="jobcenter", language=language)
    other = _task(engine, clock, desk="info", phone=OTHER)
    assert _reply(client, body).status_code == 200
    work()
    for task_id in (first, second):
        task, history = _task_row(engine, task_id)
        assert (task["status"], task["outcome"]) == ("closed", "cancelled_by_caller")
        assert ("sms", "close", "cancelled_by_caller") in [(h["actor"], h["kind"], h["outcome"]) for h in history]
    assert [h["outcome"] for h in _task_row(engine, first)[1] if h["kind"] == "sms"] == ["cancelled:queued"]
    assert _task_row(engine, other)[0]["status"] == "open"
    [sent] = twilio.messages
    expected = sms.render(sms.load("flows"), "cancelled", language, reference=f"R-{4820 + first}")
    assert (sent.params["To"], sent.params["Body"]) == (MOBILE, expected)


def test_another_reply_is_a_note_answered_once(client, engine, clock, twilio, work, caplog):
    task_id = _task(engine, clock, language="uk")
    caplog.set_level(logging.INFO)
    assert _reply(client, "Дзвоніть після 14:00, мій номер +4915112345678\x07").status_code == 200
    clock.advance(hours=2)
    assert _reply(client, "ще раз", sid="2").status_code == 200
    work()
    task, history = _task_row(engine, task_id)
    assert task["status"] == "open"
    assert [(h["actor"], h["kind"], h["note"]) for h in history if h["kind"] == "sms_reply"] == [
        ("caller", "sms_reply", "Дзвоніть після 14:00, мій номер +4915112345678"), ("caller", "sms_reply", "ще раз")]
    thanks = f"Дякуємо, ми отримали ваше повідомлення (R-{4820 + task_id})."
    assert [m.params["Body"] for m in twilio.messages] == [thanks]
    assert MOBILE not in caplog.text and "Дзвоніть" not in caplog.text


def test_a_burst_of_replies_is_answered_once_an_hour(client, engine, clock, twilio, work):
    assert _reply(client, "hello", phone=OTHER).status_code == 200
    for n in range(2, 6):
        clock.advance(minutes=5)
        assert _reply(client, "STOP", phone=OTHER, sid=str(n)).status_code == 200  # an auto-responder's burst
    work()
    assert [m.params["Body"] for m in twilio.messages] == [sms.render(sms.load("flows"), "neutral", "de")]
    clock.advance(hours=2)
    assert _reply(client, "hello?", phone=OTHER, sid="9").status_code == 200
    work()
    assert len(twilio.messages) == 1  # one neutral answer to a number, ever


def test_no_neutral_answer_when_configured(tmp_path, database_url, redis_url, engine, redis_conn, twilio, clock):
    from ivr import create_app
    from ivr.settings import Sms

    settings = make_settings(tmp_path, database_url, redis_url, twilio_account_sid=ACCOUNT, public_url=BASE,
                             twilio_api_base=twilio.url)
    settings = settings.model_copy(update={"config": settings.config.model_copy(
        update={"sms": Sms(neutral_answer=False)})})
    app = create_app(settings, clock=clock, TESTING=True)
    assert _reply(app.test_client(), "hello", phone=OTHER).status_code == 200
    app.extensions["ivr"].engine.dispose()
    assert _answers(engine) == []


def test_a_long_reply_is_cut_and_a_replay_changes_nothing(client, engine, clock):
    task_id = _task(engine, clock)
    assert _reply(client, "x" * 2000).status_code == 200
    assert _reply(client, "x" * 2000).status_code == 200  # the same signed request again
    notes = [h["note"] for h in _task_row(engine, task_id)[1] if h["kind"] == "sms_reply"]
    assert [len(n) for n in notes] == [sms.MAX_BODY]
    assert len(_answers(engine)) == 1
