"""An SMS falls due while the worker or Redis is down: once they are back it is sent once, and never twice (a
worker killed and started again, the sweep and the original job finding the same SMS)."""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import redis
import requests
from rq.job import Job

from ivr.hotline import callbacks
from ivr.store import jobqueue
from ivr.store.db import callbacks as callbacks_table
from ivr.web.voice.signatures import signature
from tests.factories import TOKEN
from tests.faults.conftest import assert_no_numbers_in_logs
from tests.faults.conftest import record
from tests.faults.conftest import wait_for
from tests.faults.queue_support import start_worker
from tests.faults.queue_support import use_database_of_the_run
from tests.unit.workers.conftest import ACCOUNT
from tests.unit.workers.twilio_standin import TwilioStandIn

pytestmark = pytest.mark.faults
MOBILE = "+4915112345678"


def _task(stack, phone: str = MOBILE) -> int:
    now = datetime.now(UTC)
    with stack.engine.begin() as conn:
        task_id, _ = callbacks.create(conn, "info", phone, "ar", "CA" + "5" * 32, now, now + timedelta(days=2))
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == task_id).values(
            sms_consent=True, reference="R-4821", window="morning"))
    return task_id


def _reply(stack, body: str, phone: str = MOBILE) -> int:
    form = {"MessageSid": "SM" + "7" * 32, "AccountSid": ACCOUNT, "From": phone, "To": "+4920274763333",
            "Body": body, "NumMedia": "0", "ApiVersion": "2010-04-01"}
    url = stack.base + "/sms/incoming"
    return requests.post(url, data=form, headers={"X-Twilio-Signature": signature(TOKEN, url, form)},
                         timeout=30).status_code


def test_a_confirmation_due_while_the_worker_is_down_is_sent_once_when_it_runs(stack):
    dialect = use_database_of_the_run(stack)
    stack.start(worker=False)
    with TwilioStandIn(ACCOUNT, TOKEN) as twilio:
        task_id = _task(stack)
        conn = redis.Redis.from_url(stack.redis.url)
        assert jobqueue.request_sms(conn, task_id, "confirm")  # what the task's refinement asks for
        time.sleep(1)
        assert twilio.messages == []
        started = time.monotonic()
        worker = start_worker(stack, twilio)
        wait_for(lambda: twilio.messages, 60, "the confirmation")
        sent_after = time.monotonic() - started
        wait_for(lambda: stack.scalar("SELECT status FROM sms_messages") == "queued", 20, "its state")
        stack.kill_worker(worker)
        assert not jobqueue.request_sms(conn, task_id, "confirm")  # asked again: the job is known
        conn.delete(Job.key_for(jobqueue.sms_job_id(task_id, "confirm")))
        assert jobqueue.request_sms(conn, task_id, "confirm")  # its record gone from Redis: queued again
        start_worker(stack, twilio)
        wait_for(lambda: not conn.exists(Job.key_for(jobqueue.sms_job_id(task_id, "confirm"))) or
                 Job.fetch(jobqueue.sms_job_id(task_id, "confirm"), connection=conn).is_finished, 60, "the second job")
        time.sleep(5)  # the second job ran (or runs): it finds the SMS sent
        assert len(twilio.messages) == 1
        assert twilio.messages[0].params["To"] == MOBILE
        conn.close()
    record(f"sms_worker_down_{dialect}", {"seconds_until_sent": round(sent_after, 1), "messages": 1})


def test_an_answer_due_while_redis_is_down_is_sent_once_when_it_is_back(stack):
    dialect = use_database_of_the_run(stack)
    stack.start(worker=False)
    with TwilioStandIn(ACCOUNT, TOKEN) as twilio:
        start_worker(stack, twilio)
        conn = redis.Redis.from_url(stack.redis.url)
        wait_for(lambda: conn.scard("rq:workers"), 60, "the worker to run")  # then Redis goes
        conn.close()
        task_id = _task(stack)
        stack.redis.kill()
        assert _reply(stack, "Bitte nachmittags anrufen") == 200  # the reply is kept, its answer recorded
        assert stack.scalar("SELECT status FROM sms_messages") == "pending"
        assert stack.scalar("SELECT count(*) FROM task_history WHERE kind = 'sms_reply'") == 1
        time.sleep(2)
        assert twilio.messages == []
        stack.redis.start()  # empty: no job survived
        back = time.monotonic()
        wait_for(lambda: twilio.messages, 120, "the answer, queued by the relay's sweep")
        sent_after = time.monotonic() - back
        wait_for(lambda: stack.scalar("SELECT status FROM sms_messages") == "queued", 20, "its state")
        time.sleep(8)  # further relay passes: nothing sent again
        assert len(twilio.messages) == 1
        assert stack.scalar("SELECT kind FROM sms_messages") == "received"
        assert stack.scalar("SELECT callback_id FROM sms_messages") == task_id
        lines = assert_no_numbers_in_logs(stack, [MOBILE])
    record(f"sms_redis_down_{dialect}", {"seconds_until_sent_after_redis_back": round(sent_after, 1),
                                         "messages": 1, "log_lines_checked_for_numbers": lines})
