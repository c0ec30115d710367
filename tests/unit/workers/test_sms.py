"""Callers' SMS through the worker (workers.sms) against the Twilio stand-in: the exact Messages parameters, each SMS
sent once by its dedupe key however often it is asked for, consent, refusals (landline, premium, country, daily
limit), Twilio refusing or unreachable, and the sweep that queues an SMS whose job was lost."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa
from rq import Queue
from rq import SimpleWorker
from twilio.base.exceptions import TwilioRestException

from ivr.container import Container
from ivr.hotline import callbacks
from ivr.hotline import sms
from ivr.store import jobqueue
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import sms_messages
from tests.factories import make_settings
from tests.support.clock import FakeClock
from tests.support.clock import berlin
from tests.unit.workers.conftest import ACCOUNT
from workers import context
from workers import sms as sms_jobs

PUBLIC = "https://hotline.example.org"
HOTLINE = "+4920274763333"  # config.yaml hotline.number
MOBILE = "+4915112345678"
SERVICE = "MG" + "0123456789abcdef" * 2


@pytest.fixture
def clock():
    return FakeClock(berlin("2026-11-28 15:30"))  # a Saturday afternoon


def _container(tmp_path, database_url, redis_url, twilio, clock, **config):
    settings = make_settings(tmp_path, database_url, redis_url, twilio_account_sid=ACCOUNT,
                             twilio_api_base=twilio.url, public_url=PUBLIC)
    if config:
        settings = settings.model_copy(update={"config": settings.config.model_copy(update=config)})
    return Container(settings, clock=clock)


@pytest.fixture
def env(tmp_path, database_url, redis_url, engine, redis_conn, twilio, clock, monkeypatch):
    container = _container(tmp_path, database_url, redis_url, twilio, clock)
    monkeypatch.setattr(context, "get", lambda: container)
    yield container
    container.close()


def _task(engine, clock, phone: str = MOBILE, language: str = "ar", consent: bool | None = True,
          sid: str = "CA" + "1" * 32, desk: str = "auslaenderbehoerde", **values) -> int:
    with engine.begin() as conn:
        task_id, _ = callbacks.create(conn, desk, phone, language, sid, clock(),
                                      clock() + timedelta(days=4))
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == task_id).values(
            sms_consent=consent, promised_by=date(2026, 12, 2), reference="R-4821", window="morning", **values))
    return task_id


def _rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(sms_messages).order_by(sms_messages.c.id)).mappings()]


def _work(redis_conn) -> None:
    SimpleWorker([Queue("calls", connection=redis_conn)], connection=redis_conn).work(burst=True)


def test_confirmation_is_sent_once_with_the_exact_parameters(env, engine, redis_conn, twilio, clock):
    task_id = _task(engine, clock)
    assert jobqueue.request_sms(redis_conn, task_id, "confirm") is True
    assert jobqueue.request_sms(redis_conn, task_id, "confirm") is False  # queued already: nothing more
    _work(redis_conn)
    _work(redis_conn)
    assert sms_jobs.send(task_id, "confirm") == "sent already"  # asked again after it ran
    assert len(twilio.messages) == 1
    params = twilio.messages[0].params
    body = params.pop("Body")
    assert params == {"To": MOBILE, "From": HOTLINE, "StatusCallback": PUBLIC + "/sms/status"}
    assert "الأربعاء 2.12." in body and "صباحاً" in body and "R-4821" in body
    assert "Ausländer" not in body and "auslaender" not in body  # never the authority
    assert sms.encoding(body) == "UCS-2" and sms.segments(body) <= 2
    [row] = _rows(engine)
    assert (row["dedupe_key"], row["kind"], row["status"], row["message_sid"], row["body"], row["callback_id"]) == \
        (f"confirm:{task_id}", "confirm", "queued", twilio.messages[0].sid, body, task_id)
    with engine.connect() as conn:
        steps = [(s["kind"], s["outcome"]) for s in callbacks.history(conn, task_id)]
    assert steps == [("sms", "confirm:queued")]


def test_a_messaging_service_sends_when_configured(tmp_path, database_url, redis_url, engine, redis_conn, twilio,
                                                   clock, monkeypatch):
    from ivr.settings import Sms

    container = _container(tmp_path, database_url, redis_url, twilio, clock,
                           sms=Sms(messaging_service_sid=SERVICE))
    monkeypatch.setattr(context, "get", lambda: container)
    task_id = _task(engine, clock, language="de")
    try:
        assert sms_jobs.send(task_id, "unreached") == "queued"
    finally:
        container.close()
    params = twilio.messages[0].params
    assert params == {"To": MOBILE, "MessagingServiceSid": SERVICE, "StatusCallback": PUBLIC + "/sms/status",
                      "Body": "Wir haben Sie leider nicht erreicht (R-4821). Bitte rufen Sie uns an: (0202) 74763333."}


def test_no_sms_without_consent(env, engine, twilio, clock):
    refused = _task(engine, clock, consent=False)
    assert sms_jobs.send(refused, "confirm") == "no consent"
    young = _task(engine, clock, consent=None, sid="CA" + "2" * 32, phone="+4915112345679")
    with pytest.raises(sms_jobs.ConsentNotYet):  # the refinement may not be committed yet: RQ tries again
        sms_jobs.send(young, "confirm")
    clock.advance(minutes=11)
    assert sms_jobs.send(young, "confirm") == "no consent"  # an old task, never asked
    assert twilio.messages == [] and _rows(engine) == []


@pytest.mark.parametrize(("phone", "reason"), [
    ("+4920274763334", "not_mobile"),  # a landline in Wuppertal
    ("+4990012345678", "premium"),
    ("+12025550143", "country"),  # outside the allow-list
])
def test_refused_numbers_get_no_sms(env, engine, twilio, clock, phone, reason):
    task_id = _task(engine, clock, phone=phone)
    assert sms_jobs.send(task_id, "confirm") == "refused"
    assert sms_jobs.send(task_id, "confirm") == "sent already"
    assert twilio.messages == []
    [row] = _rows(engine)
    assert row["status"] == "refused" and row["body"] is None
    with engine.connect() as conn:
        [step] = callbacks.history(conn, task_id)
    assert (step["kind"], step["outcome"], step["note"]) == ("sms", "confirm:refused", reason)


def test_a_number_gets_at_most_the_daily_limit(env, engine, twilio, clock):
    tasks = [_task(engine, clock, sid=f"CA{n}".ljust(34, "0"), desk=f"d{n}") for n in range(4)]  # 4 desks
    results = [sms_jobs.send(task_id, "confirm") for task_id in tasks]
    assert results == ["queued", "queued", "queued", "refused"]  # config sms.per_number_daily_limit: 3
    clock.advance(days=1, minutes=1)
    assert sms_jobs.send(tasks[3], "unreached") == "queued"
    assert len(twilio.messages) == 4


def test_twilio_refusing_is_a_failed_sms_never_retried(env, engine, twilio, clock):
    task_id = _task(engine, clock)
    twilio.fail_messages = [400]
    assert sms_jobs.send(task_id, "confirm") == "failed"
    assert sms_jobs.send(task_id, "confirm") == "sent already"
    assert twilio.messages == []
    assert _rows(engine)[0]["status"] == "failed"


def test_twilio_unavailable_gives_the_sms_back_for_the_next_try(env, engine, twilio, clock):
    task_id = _task(engine, clock)
    twilio.fail_messages = [503]
    with pytest.raises(TwilioRestException):
        sms_jobs.send(task_id, "confirm")
    assert _rows(engine)[0]["status"] == "pending"
    assert sms_jobs.send(task_id, "confirm") == "queued"
    assert sms_jobs.send(task_id, "confirm") == "sent already"
    assert len(twilio.messages) == 1


def test_twilio_unreachable_gives_the_sms_back(tmp_path, database_url, redis_url, engine, redis_conn, clock,
                                               monkeypatch):
    from tests.unit.workers.twilio_standin import TwilioStandIn

    with TwilioStandIn(ACCOUNT, "x") as gone:
        url = gone.url  # a port nobody listens on once the stand-in is closed
    container = _container(tmp_path, database_url, redis_url, gone, clock)
    monkeypatch.setattr(context, "get", lambda: container)
    task_id = _task(engine, clock)
    try:
        with pytest.raises(requests.ConnectionError):
            sms_jobs.send(task_id, "confirm")
    finally:
        container.close()
    assert url and _rows(engine)[0]["status"] == "pending"


def test_a_read_timeout_is_never_sent_again(env, engine, twilio, clock, monkeypatch):
    task_id = _task(engine, clock)

    def lost(*args, **kwargs):
        raise requests.ReadTimeout("the answer was lost")

    send = sms_jobs.messaging.send
    monkeypatch.setattr(sms_jobs.messaging, "send", lost)
    assert sms_jobs.send(task_id, "confirm") == "sending"
    monkeypatch.setattr(sms_jobs.messaging, "send", send)
    assert sms_jobs.send(task_id, "confirm") == "sent already"
    assert sms_jobs.deliver(_rows(engine)[0]["id"]) == "sending"
    assert twilio.messages == []


def test_the_sweep_queues_an_sms_whose_job_was_lost(env, engine, redis_conn, twilio, clock):
    task_id = _task(engine, clock)
    with engine.begin() as conn:  # recorded, then Redis lost the job
        sms_id = sms.reserve(conn, f"received:{task_id}", task_id, "received", MOBILE, "uk", clock())
    assert sms_jobs.sweep(env) == 0  # too young: its job may still come
    clock.advance(minutes=2)
    assert sms_jobs.sweep(env) == 1
    assert sms_jobs.sweep(env) == 0  # queued already
    _work(redis_conn)
    _work(redis_conn)
    assert len(twilio.messages) == 1
    assert twilio.messages[0].params["Body"] == "Дякуємо, ми отримали ваше повідомлення (R-4821)."
    assert _rows(engine)[0]["id"] == sms_id and _rows(engine)[0]["status"] == "queued"
    clock.advance(minutes=2)
    assert sms_jobs.sweep(env) == 0


def test_two_deliveries_of_one_sms_send_it_once(env, engine, twilio, clock):
    task_id = _task(engine, clock)
    with engine.begin() as conn:
        sms_id = sms.reserve(conn, f"confirm:{task_id}", task_id, "confirm", MOBILE, "ar", clock())
    assert sms_jobs.deliver(sms_id) == "queued"
    assert sms_jobs.deliver(sms_id) == "queued"  # its state, nothing sent
    assert sms_jobs.send(task_id, "confirm") == "sent already"
    assert len(twilio.messages) == 1


def test_a_closed_task_gets_no_confirmation_but_may_get_the_unreached_sms(env, engine, twilio, clock):
    task_id = _task(engine, clock, language="de")
    with engine.begin() as conn:  # the last attempt failed: closed as unreachable, then the SMS is asked for
        callbacks.close(conn, task_id, "unreachable", clock())
    assert sms_jobs.send(task_id, "confirm") == "closed"
    assert sms_jobs.send(task_id, "unreached") == "queued"
    assert [m.params["Body"][:34] for m in twilio.messages] == ["Wir haben Sie leider nicht erreich"]


def test_without_a_twilio_account_the_sms_is_refused_once_not_retried(tmp_path, database_url, redis_url, engine,
                                                                       twilio, clock, monkeypatch):
    settings = make_settings(tmp_path, database_url, redis_url, twilio_account_sid=None, public_url=PUBLIC)
    container = Container(settings, clock=clock)
    monkeypatch.setattr(context, "get", lambda: container)
    task_id = _task(engine, clock)
    assert sms_jobs.send(task_id, "confirm") == "refused"
    assert sms_jobs.send(task_id, "confirm") == "sent already"
    [row] = _rows(engine)
    assert (row["status"], twilio.messages) == ("refused", [])
    with engine.connect() as conn:
        steps = [(s["outcome"], s["note"]) for s in callbacks.history(conn, task_id)]
    assert steps == [("confirm:refused", "no_twilio_account")]
    container.close()
