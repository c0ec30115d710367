"""The outbox: a webhook's events are stored once, queued as jobs that carry only their id, spooled encrypted
when the database is down, and left for the relay whenever Redis cannot take them."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq.job import Job

from ivr.store import jobqueue
from ivr.store.breaker import Breaker
from ivr.store.breaker import connect
from ivr.store.cipher import Cipher
from ivr.store.db import events
from ivr.store.outbox import Intake
from ivr.store.outbox import import_spool
from ivr.store.outbox import pending
from ivr.store.redisserver import free_port

SID = "CA" + "6" * 32
NOW = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)
CIPHER = Cipher("test-secret")


@pytest.fixture
def make_intake(engine, redis_conn, tmp_path):
    """Build intakes on the test's database and Redis (or others given); stop their threads afterwards."""
    made = []

    def make(db=engine, conn=redis_conn) -> Intake:
        intake = Intake(db, conn, Breaker(), CIPHER, tmp_path / "spool")
        made.append(intake)
        return intake

    yield make
    for intake in made:
        intake.stop()


def rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.select(events).order_by(events.c.id))]


def queued(redis_conn) -> list[str]:
    return [job_id.decode() for job_id in redis_conn.lrange("rq:queue:calls", 0, -1)]


def test_an_event_is_stored_once_by_its_dedupe_key(make_intake, engine):
    intake = make_intake(conn=None)
    first = intake.submit("status", SID, "status:completed", {"status": "completed"}, NOW)
    again = intake.submit("status", SID, "status:completed", {"status": "completed"}, NOW)  # Twilio's retry
    assert isinstance(first, int) and again is None
    (row,) = rows(engine)
    assert (row["id"], row["kind"], row["call_sid"], json.loads(row["payload"])) == \
        (first, "status", SID, {"status": "completed"})


def test_a_webhooks_events_go_in_one_commit_and_known_ones_are_skipped(make_intake, engine):
    intake = make_intake(conn=None)
    (known,) = intake.submit_many([("step", SID, "step:1", {})], NOW)
    ids = intake.submit_many([("step", SID, "step:1", {}), ("callback", SID, "callback:1", {"desk": "zebera"})], NOW)
    assert ids[0] is None and ids[1] not in (None, known)
    assert [row["dedupe_key"] for row in rows(engine)] == ["step:1", "callback:1"]


def test_fresh_events_become_jobs_that_carry_only_their_id(make_intake, redis_conn):
    intake = make_intake()
    ids = intake.submit_many([("status", SID, "status:a", {"status": "ringing"}),
                              ("status", SID, "status:b", {"status": "completed"})], NOW)
    intake.flush()  # the thread may have queued them already; flush makes sure
    assert queued(redis_conn) == [jobqueue.event_job_id(event_id) for event_id in ids]
    job = Job.fetch(jobqueue.event_job_id(ids[0]), connection=redis_conn)
    assert (job.func_name, job.args) == ("workers.jobs.process_event", (ids[0],))


def test_without_redis_the_events_are_marked_for_the_relays_next_pass(make_intake, engine):
    intake = make_intake(conn=None)
    intake.submit("status", SID, "status:a", {}, NOW)
    assert [row["enqueued_at"] for row in rows(engine)] == [None]
    assert pending(engine, older_than=NOW) == [rows(engine)[0]["id"]]


def test_a_redis_that_does_not_answer_trips_the_breaker(make_intake, engine):
    away = connect(f"redis://127.0.0.1:{free_port()}/0", 0.2)  # nobody listens there
    intake = make_intake(conn=away)
    intake.stop()  # no thread: the batch is queued here, by flush
    (event_id,) = intake.submit_many([("status", SID, "status:a", {})], NOW)
    assert intake.enqueue_many([event_id]) is False
    assert not intake.breaker.closed
    assert intake.submit("status", SID, "status:b", {}, NOW) is not None  # stored all the same
    assert [row["enqueued_at"] for row in rows(engine)][-1] is None  # open breaker: left for the relay at once


def test_enqueue_marks_the_row_and_queues_a_job_once(make_intake, engine, redis_conn):
    intake = make_intake(conn=None)
    (event_id,) = intake.submit_many([("status", SID, "status:a", {})], NOW)
    intake.redis = redis_conn  # Redis is back: what the relay does with a pending row
    assert intake.enqueue(event_id, NOW + timedelta(minutes=1)) is True
    assert intake.enqueue(event_id, NOW + timedelta(minutes=2)) is True  # the job exists: nothing new queued
    assert queued(redis_conn) == [jobqueue.event_job_id(event_id)]
    assert rows(engine)[0]["enqueued_at"] == NOW + timedelta(minutes=2)


def test_pending_lists_unprocessed_events_never_queued_or_queued_long_ago(engine):
    with engine.begin() as conn:
        for key, enqueued, processed, created in [
            ("never", None, None, NOW),
            ("stale", NOW - timedelta(minutes=5), None, NOW),
            ("fresh", NOW, None, NOW),
            ("done", None, NOW, NOW),
            ("expired", None, None, NOW - timedelta(days=30)),
        ]:
            conn.execute(events.insert().values(kind="status", dedupe_key=key, call_sid=SID, payload="{}",
                                                created_at=created, enqueued_at=enqueued, processed_at=processed))
        ids = dict(conn.execute(sa.select(events.c.dedupe_key, events.c.id)).all())
    assert pending(engine, older_than=NOW - timedelta(seconds=10)) == [ids["never"], ids["stale"], ids["expired"]]
    assert pending(engine, NOW - timedelta(seconds=10), newer_than=NOW - timedelta(days=7)) == \
        [ids["never"], ids["stale"]]
    assert pending(engine, NOW - timedelta(seconds=10), limit=1) == [ids["never"]]


def test_with_the_database_down_events_are_spooled_encrypted_and_imported_later(make_intake, engine, tmp_path):
    down = sa.create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'ivr.sqlite3'}")  # cannot be opened
    intake = make_intake(db=down)
    assert intake.submit_many([("callback", SID, "callback:1", {"phone": "+4917612345678"}),
                               ("status", SID, "status:a", {})], NOW) == [None, None]
    (spooled,) = (tmp_path / "spool").glob("spool-*.jsonl")
    text = spooled.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 2 and "17612345678" not in text and SID not in text
    assert import_spool(engine, CIPHER, tmp_path / "spool") == 2
    assert list((tmp_path / "spool").iterdir()) == []  # imported files are gone
    imported = rows(engine)
    assert [(row["kind"], row["dedupe_key"], row["enqueued_at"]) for row in imported] == \
        [("callback", "callback:1", None), ("status", "status:a", None)]
    assert json.loads(imported[0]["payload"]) == {"phone": "+4917612345678"}
    assert imported[0]["created_at"] == NOW


def test_importing_skips_events_stored_meanwhile_and_lines_it_cannot_open(make_intake, engine, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    record = {"kind": "status", "call_sid": SID, "dedupe_key": "status:a", "payload": {}, "created_at": NOW.isoformat()}
    (spool / "spool-1-1.jsonl").write_text(CIPHER.seal(json.dumps(record)) + "\n"
                                           + Cipher("another key").seal(json.dumps(record)) + "\n")
    make_intake(conn=None).submit("status", SID, "status:a", {}, NOW)  # Twilio's retry got through meanwhile
    assert import_spool(engine, CIPHER, spool) == 0
    assert len(rows(engine)) == 1 and list(spool.iterdir()) == []
