"""The worker's choice (workers.dispatch): offers through the Twilio stand-in with their exact parameters, the
per-desk lock and its re-run flag, the sweep (missed offers, acceptances never bridged, lost requests), Twilio
refusing or failing a call, and the job handlers that feed the queue's figures into call records and tasks."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue

from ivr.container import Container
from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users
from ivr.store import jobqueue
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import events
from ivr.store.db import staff_presence
from tests.factories import make_settings
from tests.support.clock import FakeClock
from tests.support.clock import berlin
from tests.unit.workers.conftest import ACCOUNT
from workers import context
from workers import dispatch
from workers import jobs

PUBLIC = "https://hotline.example.org"
HOTLINE = "+4920274763333"  # config.yaml hotline.number


@pytest.fixture
def clock():
    return FakeClock(berlin("2026-11-24 10:00"))


@pytest.fixture
def env(tmp_path, database_url, redis_url, engine, redis_conn, twilio, clock, monkeypatch):
    """A worker's container: Twilio's REST API is the stand-in, the webhooks' address is PUBLIC."""
    settings = make_settings(tmp_path, database_url, redis_url, twilio_account_sid=ACCOUNT,
                             twilio_api_base=twilio.url, public_url=PUBLIC)
    container = Container(settings, clock=clock)
    monkeypatch.setattr(context, "get", lambda: container)
    yield container
    container.close()


@pytest.fixture
def person(engine, clock):
    """`person(name, languages, phone)`: somebody of the information desk, available."""
    def make(name: str, languages=("de",), phone: str = "+4915112345600", desk: str = "info",
             status: str = presence.AVAILABLE) -> int:
        with engine.begin() as conn:
            user_id = users.create(conn, name, "a long test password", "staff", clock(), phone=phone,
                                   languages=languages)
            users.add_desk(conn, name, desk)
            presence.set_status(conn, user_id, status, clock())
        return user_id

    return make


def _join(engine, clock, language: str = "ar", desk: str = "info", sid: str | None = None) -> queueing.Entry:
    with engine.begin() as conn:
        return queueing.join(conn, sid or "CA" + f"{language}{clock().timestamp():.0f}".ljust(32, "0")[:32], desk,
                             language, clock())


def _entry(engine, entry_id: int) -> queueing.Entry:
    with engine.connect() as conn:
        return queueing.entry_by_id(conn, entry_id)


def _status(engine, clock, user_id: int) -> presence.Presence:
    with engine.connect() as conn:
        return presence.current(conn, user_id, clock())


def _log(engine, call_sid: str) -> list[tuple[str, int | None, str | None]]:
    with engine.connect() as conn:
        return [(kind, user, detail) for _, kind, user, detail in queueing.history(conn, call_sid)]


def test_a_caller_is_offered_to_the_person_who_speaks_their_language_with_the_exact_call(env, engine, clock,
                                                                                          person, twilio):
    person("anna", ("de",), "+4915112345601")
    clock.advance(minutes=5)  # bashir became available later than anna: anna is idle longer, but speaks no Arabic
    bashir = person("bashir", ("de", "ar"), "+4915112345602")
    waiting = _join(engine, clock, "ar")
    assert dispatch.run(env, "info") == 1
    [call] = twilio.offers()
    query = f"?e={waiting.id}&u={bashir}"
    assert call.params == {"To": "+4915112345602", "From": HOTLINE, "Url": f"{PUBLIC}/voice/agent/whisper{query}",
                           "Method": "POST", "StatusCallback": f"{PUBLIC}/voice/agent/status{query}",
                           "StatusCallbackMethod": "POST", "Timeout": "20"}
    entry = _entry(engine, waiting.id)
    assert (entry.state, entry.agent_id, entry.agent_call_sid, entry.offers) == ("offered", bashir, call.sid, 1)
    assert _log(engine, waiting.call_sid) == [("joined", None, "info:ar"), ("offered", bashir, None)]
    assert dispatch.run(env, "info") == 0  # offered already: nobody is rung twice
    assert len(twilio.offers()) == 1


def test_longest_idle_first_and_each_person_one_caller(env, engine, clock, person, twilio):
    first = person("anna", ("de",), "+4915112345601")
    clock.advance(minutes=1)
    second = person("bert", ("de",), "+4915112345602")
    clock.advance(minutes=1)
    callers = [_join(engine, clock, "de", sid=f"CA{n:032d}") for n in range(3)]
    assert dispatch.run(env, "info") == 2
    offered = {int(c.query["e"]): int(c.query["u"]) for c in twilio.offers()}
    assert offered == {callers[0].id: first, callers[1].id: second}  # the third waits for the next free person
    assert _entry(engine, callers[2].id).state == "waiting"


def test_after_the_desks_fallback_time_any_free_person_is_offered(env, engine, clock, person, twilio):
    anna = person("anna", ("de",))
    waiting = _join(engine, clock, "tr")
    assert dispatch.run(env, "info") == 0  # nobody speaks Turkish: the caller waits for a speaker first
    clock.advance(seconds=60)  # the desk's language_fallback_seconds (default 60)
    assert dispatch.run(env, "info") == 1
    assert twilio.offers()[0].query == {"e": str(waiting.id), "u": str(anna)}


def test_an_offer_nobody_takes_in_20_seconds_goes_to_the_next_person(env, engine, clock, person, twilio, redis_conn):
    bashir = person("bashir", ("ar",), "+4915112345602")
    clock.advance(seconds=30)
    cem = person("cem", ("ar",), "+4915112345603")
    waiting = _join(engine, clock, "ar")
    dispatch.run(env, "info")
    [ringing] = twilio.offers()
    clock.advance(seconds=dispatch.OFFER_SECONDS)
    assert dispatch.sweep(env) == {"missed": 0, "withdrawn": 0, "desks": 0}  # not yet older than 20 s
    clock.advance(seconds=1)
    assert dispatch.sweep(env) == {"missed": 1, "withdrawn": 0, "desks": 1}
    assert ringing.updates == [{"Status": "completed"}]  # their phone stops ringing
    assert _status(engine, clock, bashir) == presence.Presence(presence.PAUSED, clock(), queueing.MISSED)
    assert Queue("calls", connection=redis_conn).job_ids  # the sweep asked for the desk's dispatch
    assert redis_conn.exists(jobqueue.DISPATCH_WANTED.format(desk="info"))
    assert dispatch.dispatch("info") == 1
    assert [c.query["u"] for c in twilio.offers()] == [str(bashir), str(cem)]
    assert [k for k, _, _ in _log(engine, waiting.call_sid)] == ["joined", "offered", "missed", "offered"]
    assert _entry(engine, waiting.id).offers == 2


def test_an_offer_whose_call_was_never_noted_is_withdrawn_not_missed(env, engine, clock, person, twilio):
    """A worker that died between the offer and noting its call: the person may never have been rung."""
    anna = person("anna")
    waiting = _join(engine, clock, "de")
    with engine.begin() as conn:
        assert queueing.offer(conn, waiting.id, anna, clock())
    clock.advance(seconds=21)
    assert dispatch.sweep(env) == {"missed": 0, "withdrawn": 1, "desks": 1}
    assert _status(engine, clock, anna).status == presence.AVAILABLE
    assert _entry(engine, waiting.id).state == "waiting"
    assert dispatch.run(env, "info") == 1  # offered again, to the same person (still the longest idle)


def test_an_acceptance_never_bridged_puts_the_caller_back(env, engine, clock, person, twilio):
    anna = person("anna")
    waiting = _join(engine, clock, "de")
    dispatch.run(env, "info")
    with engine.begin() as conn:
        assert queueing.accept(conn, waiting.id, anna, clock())
    clock.advance(seconds=dispatch.OFFER_SECONDS + 5)
    assert dispatch.sweep(env)["missed"] == 0  # accepted: not a miss
    clock.advance(seconds=dispatch.ACCEPT_SECONDS)
    assert dispatch.sweep(env)["withdrawn"] == 1
    assert _entry(engine, waiting.id).state == "waiting"
    assert _status(engine, clock, anna).status == presence.AVAILABLE


def test_twilio_refusing_the_number_pauses_the_person_failing_does_not(env, engine, clock, person, twilio):
    anna = person("anna")
    waiting = _join(engine, clock, "de")
    twilio.fail_calls = [503]
    assert dispatch.run(env, "info") == 0
    assert _status(engine, clock, anna).status == presence.AVAILABLE  # Twilio's trouble, not anna's
    assert _entry(engine, waiting.id).state == "waiting"
    twilio.fail_calls = [400]  # e.g. a number Twilio cannot ring: anna must fix it
    assert dispatch.run(env, "info") == 0
    assert _status(engine, clock, anna) == presence.Presence(presence.PAUSED, clock(), queueing.MISSED)
    assert [(k, d) for k, _, d in _log(engine, waiting.call_sid)][1:] == [
        ("offered", None), ("withdrawn", "twilio 503"), ("offered", None), ("missed", "call refused (400)")]


def test_without_a_public_url_nobody_is_rung_and_the_log_says_why(tmp_path, database_url, redis_url, engine,
                                                                  redis_conn, twilio, clock, person, caplog):
    settings = make_settings(tmp_path, database_url, redis_url, twilio_account_sid=ACCOUNT,
                             twilio_api_base=twilio.url)
    env = Container(settings, clock=clock)
    try:
        person("anna")
        waiting = _join(engine, clock, "de")
        assert dispatch.run(env, "info") == 0
    finally:
        env.close()
    assert twilio.calls == []
    assert _entry(engine, waiting.id).state == "waiting"
    assert "IVR_PUBLIC_URL is not set" in caplog.text


def test_a_caller_who_leaves_while_the_person_is_rung_stops_the_ringing(env, engine, clock, person, twilio):
    anna = person("anna")
    waiting = _join(engine, clock, "de")
    dispatch.run(env, "info")
    with engine.begin() as conn:
        queueing.finish(conn, waiting.call_sid, "abandoned", clock())
        assert queueing.agents(conn, clock(), "info")[0].busy_with is None  # anna is free at once
    assert dispatch.run(env, "info") == 0
    [call] = twilio.offers()
    assert call.updates == [{"Status": "completed"}]
    dispatch.run(env, "info")
    assert call.updates == [{"Status": "completed"}]  # once
    assert _status(engine, clock, anna).status == presence.AVAILABLE


def test_a_dispatch_that_finds_the_desk_locked_leaves_it_to_the_holder(env, engine, clock, person, twilio,
                                                                       redis_conn):
    person("anna")
    _join(engine, clock, "de")
    lock = redis_conn.lock("ivr:queue:lock:info", timeout=30)
    assert lock.acquire(blocking=False)
    jobqueue.request_dispatch(redis_conn, "info")
    assert dispatch.run(env, "info") == 0
    assert redis_conn.exists(jobqueue.DISPATCH_WANTED.format(desk="info"))  # the holder will run once more
    lock.release()
    assert dispatch.run(env, "info") == 1
    assert not redis_conn.exists(jobqueue.DISPATCH_WANTED.format(desk="info"))


def test_paused_busy_or_phoneless_people_and_dial_desks_are_not_offered(env, engine, clock, person, twilio):
    person("anna", status=presence.PAUSED)
    bert = person("bert")
    _join(engine, clock, "de")
    _join(engine, clock, "de", desk="auslaenderbehoerde", sid="CA" + "d" * 32)
    with engine.begin() as conn:
        conn.execute(staff_presence.update().where(staff_presence.c.user_id == bert).values(busy_with=999))
    assert dispatch.run(env, "info") == 0
    assert dispatch.run(env, "auslaenderbehoerde") == 0
    assert twilio.calls == []


# --- the job handlers ---------------------------------------------------------------------------------------


def _event(engine, kind: str, sid: str, payload: dict) -> int:
    with engine.begin() as conn:
        return conn.execute(events.insert().values(kind=kind, call_sid=sid, dedupe_key=f"{kind}:{sid}",
                                                   created_at=datetime.now(UTC), attempts=0,
                                                   payload=json.dumps(payload))).inserted_primary_key[0]


def test_a_queue_event_asks_for_the_desks_dispatch(env, engine, clock, redis_conn):
    waiting = _join(engine, clock, "de")
    event = _event(engine, "queue", waiting.call_sid, {"desk": "info", "language": "de",
                                                       "at": clock().isoformat()})
    assert jobs.process_event(event) == "queue"
    [job] = Queue("calls", connection=redis_conn).get_jobs()
    assert (job.func_name, job.args) == ("workers.dispatch.dispatch", ("info",))


def test_an_answered_call_gets_wait_talk_and_who_and_feeds_the_handle_time(env, engine, clock, person):
    anna = person("anna")
    waiting = _join(engine, clock, "de")
    with engine.begin() as conn:
        queueing.offer(conn, waiting.id, anna, clock())
        queueing.accept(conn, waiting.id, anna, clock())
        clock.advance(seconds=50)
        queueing.connect(conn, waiting.call_sid, anna, clock())
        clock.advance(seconds=200)
        queueing.finish(conn, waiting.call_sid, "answered", clock())
    event = _event(engine, "reached", waiting.call_sid, {"desk": "info", "outcome": "answered", "language": "de",
                                                         "at": clock().isoformat(), "path": ["greeting"]})
    assert jobs.process_event(event) == "reached"
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT outcome, wait_seconds, talk_seconds, answered_by FROM calls")).one()
        assert queueing.handle_times(conn, "info") == {"de": (200.0 + 60, 1)}  # talk + the desk's wrap-up
    assert tuple(row) == ("answered", 50, 200, anna)


def test_answered_outranks_transferred_and_abandoned_but_not_a_callback(env, engine, clock):
    from ivr.hotline import calls

    with engine.begin() as conn:
        for first, second, kept in (("transferred", "answered", "answered"), ("answered", "abandoned", "answered"),
                                    ("answered", "callback_requested", "callback_requested"),
                                    ("callback_requested", "answered", "callback_requested")):
            sid = f"CA{first[:4]}{second[:4]}".ljust(34, "0")
            calls.note_reached(conn, sid, "info", first, "de", None, clock(), env.tz)
            calls.note_reached(conn, sid, "info", second, "de", None, clock(), env.tz)
            assert calls.get(conn, sid)["outcome"] == kept, (first, second)


def test_a_callback_from_the_queue_keeps_the_callers_place(env, engine, clock):
    early = _join(engine, clock, "de", sid="CA" + "e" * 32)
    clock.advance(minutes=3)
    for sid, at in ((early.call_sid, clock()), ("CA" + "f" * 32, clock() - timedelta(minutes=1))):
        event = _event(engine, "callback", sid, {"desk": "info", "phone": "+4917612345640" if sid[2] == "e"
                                                 else "+4917612345641", "language": "de", "at": at.isoformat()})
        assert jobs.process_event(event) == "callback"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(callbacks_table.c.call_sid, callbacks_table.c.queued_at,
                                      callbacks_table.c.due_at).order_by(callbacks_table.c.id)).all()
        from ivr.hotline import worklist
        listed = [t["call_sid"] for t in worklist.open_tasks(conn, ["info"])]
    assert rows[0].queued_at == early.joined_at and rows[1].queued_at is None
    assert rows[0].due_at < rows[1].due_at  # due as if asked for when the caller joined the queue
    assert listed == [early.call_sid, "CA" + "f" * 32]  # ahead of a callback asked for later
