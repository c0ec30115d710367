"""Two workers dispatch one desk at once, with its Redis lock taken away again and again (as if it expired mid-run):
no caller is ever offered to two people at once, and no person rung for two callers."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from ivr.store import jobqueue
from tests.factories import TOKEN
from tests.faults.conftest import record
from tests.faults.conftest import wait_for
from tests.faults.queue_support import join
from tests.faults.queue_support import offers_at_once
from tests.faults.queue_support import sign_in
from tests.faults.queue_support import start_worker
from tests.faults.queue_support import use_database_of_the_run
from tests.unit.workers.conftest import ACCOUNT
from tests.unit.workers.twilio_standin import TwilioStandIn

pytestmark = pytest.mark.faults
REQUESTS = 60
"""Dispatch requests for the desk, queued at once (callers joining, people becoming available)."""


def test_two_workers_never_offer_one_caller_twice_nor_one_person_two_callers(stack):
    dialect = use_database_of_the_run(stack)
    stack.start(worker=False)
    with TwilioStandIn(ACCOUNT, TOKEN) as twilio:
        twilio.call_delay = 0.05  # Twilio's latency: each offer keeps a worker busy while the other one runs
        people = [sign_in(stack, name, langs, f"+49151123456{n:02d}") for n, (name, langs) in enumerate(
            [("anna", ("de",)), ("bert", ("de",)), ("bashir", ("ar",)), ("dana", ("de", "ar"))])]
        callers = [join(stack, n, "de" if n % 2 else "ar") for n in range(6)]
        conn = redis.Redis.from_url(stack.redis.url)
        for _ in range(REQUESTS):
            jobqueue.request_dispatch(conn, "info")
        stop = threading.Event()

        def steal_lock() -> None:  # the lock is only a courtesy: the offers' conditional updates must hold alone
            while not stop.is_set():
                conn.delete("ivr:queue:lock:info")
                time.sleep(0.005)

        thief = threading.Thread(target=steal_lock, daemon=True)
        thief.start()
        try:
            for _ in range(2):
                start_worker(stack, twilio)
            wait_for(lambda: len(twilio.offers()) >= len(people), 60, "every person to be rung")
            wait_for(lambda: stack.scalar("SELECT count(*) FROM queue_entries WHERE agent_call_sid IS NOT NULL")
                     == len(people), 30, "every offer's call to be noted")
            for _ in range(REQUESTS):  # and once more, with everybody busy
                jobqueue.request_dispatch(conn, "info")
            wait_for(lambda: conn.llen("rq:queue:calls") == 0, 60, "the dispatch jobs to run")
            time.sleep(1)  # the last jobs finish
        finally:
            stop.set()
            thief.join()
        offers = twilio.offers()
        entries = stack.rows("SELECT id, state, agent_id, agent_call_sid FROM queue_entries ORDER BY id")
        busy = {r["user_id"]: r["busy_with"] for r in stack.rows("SELECT user_id, busy_with FROM staff_presence")}
        conn.close()
    assert len(offers) == len(people)  # four people, six callers: four calls, no more
    assert len({c.query["e"] for c in offers}) == len({c.query["u"] for c in offers}) == len(people)
    offered = [e for e in entries if e["state"] == "offered"]
    assert len(offered) == len(people) and {e["agent_id"] for e in offered} == set(people)
    assert {e["agent_call_sid"] for e in offered} == {c.sid for c in offers}
    assert busy == {e["agent_id"]: e["id"] for e in offered}
    assert [e["state"] for e in entries].count("waiting") == len(callers) - len(people)
    assert offers_at_once(stack) == (1, 1)
    ran = sum(1 for line in stack.log("worker").splitlines() if "offered to user" in line)
    record(f"queue_two_workers_{dialect}", {"dispatch_requests": 2 * REQUESTS, "workers": 2, "callers": len(callers),
                                            "people": len(people), "offer_calls": len(offers),
                                            "offers_logged": ran, "most_offers_per_caller_at_once": 1,
                                            "most_offers_per_person_at_once": 1})
