"""A worker is SIGKILLed while it rings a person for a waiting caller: once a worker runs again, the caller is
offered again (the offer whose call was never noted is withdrawn, not counted against the person)."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from ivr.store import jobqueue
from tests.factories import TOKEN
from tests.faults.conftest import record
from tests.faults.conftest import wait_for
from tests.faults.queue_support import PUBLIC
from tests.faults.queue_support import join
from tests.faults.queue_support import offers_at_once
from tests.faults.queue_support import sign_in
from tests.faults.queue_support import start_worker
from tests.faults.queue_support import use_database_of_the_run
from tests.unit.workers.conftest import ACCOUNT
from tests.unit.workers.twilio_standin import TwilioStandIn

pytestmark = pytest.mark.faults


def test_a_caller_waiting_when_the_worker_dies_is_offered_once_a_worker_runs_again(stack):
    dialect = use_database_of_the_run(stack)
    stack.start(worker=False)
    with TwilioStandIn(ACCOUNT, TOKEN) as twilio:
        anna = sign_in(stack, "anna", ("de",), "+4915112345601")
        bert = sign_in(stack, "bert", ("de",), "+4915112345602")
        caller = join(stack, 1, "de")
        conn = redis.Redis.from_url(stack.redis.url)
        twilio.hold_calls = threading.Event()  # Twilio takes the call request and the worker dies waiting for it
        jobqueue.request_dispatch(conn, "info")  # what the caller's queue event does

        worker = start_worker(stack, twilio)
        wait_for(lambda: twilio.offers(), 30, "the first offer call")
        assert stack.scalar("SELECT state FROM queue_entries") == "offered"
        stack.kill_worker(worker)
        twilio.hold_calls.set()
        killed = time.monotonic()

        start_worker(stack, twilio)
        wait_for(lambda: len(twilio.offers()) >= 2, 90, "the caller to be offered again")
        again = time.monotonic() - killed
        wait_for(lambda: stack.scalar("SELECT agent_call_sid FROM queue_entries") is not None, 20,
                 "the new offer's call to be noted")
        first, second = twilio.offers()[:2]
        entry = stack.rows("SELECT id, state, agent_id, agent_call_sid, offers FROM queue_entries")[0]
        assert (entry["state"], entry["agent_call_sid"], entry["offers"]) == ("offered", second.sid, 2)
        assert second.query == {"e": str(entry["id"]), "u": str(entry["agent_id"])}
        assert second.params["Url"].startswith(PUBLIC + "/voice/agent/whisper?")
        assert first.query["u"] == str(anna)  # the longest idle first
        kinds = [r["kind"] for r in stack.rows("SELECT kind FROM queue_log WHERE call_sid = :sid ORDER BY at, id",
                                                sid=caller.call_sid)]
        assert kinds == ["joined", "offered", "withdrawn", "offered"]
        statuses = {r["user_id"]: r["status"] for r in stack.rows("SELECT user_id, status FROM staff_presence")}
        assert statuses == {anna: "available", bert: "available"}  # nobody paused for the dead worker's offer
        assert offers_at_once(stack) == (1, 1)
        conn.close()
    record(f"queue_worker_killed_{dialect}", {"seconds_until_offered_again": round(again, 1), "limit_seconds": 90,
                                              "offers_placed": len(twilio.offers()), "queue_log": kinds})
