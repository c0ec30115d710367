"""The callback task's promise in the worker: the day and reference at creation, the caller's window and SMS
consent afterwards (due inside the window, the confirmation asked for once), and refinements that come too early,
too late or while Redis is away."""

from __future__ import annotations

import json
import re
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from ivr.container import Container
from ivr.hotline import callbacks
from ivr.hotline import closures
from ivr.settings import DEFAULT_CONFIG
from ivr.store import jobqueue
from ivr.store.db import events
from tests.factories import make_settings
from tests.support.clock import BERLIN
from tests.support.clock import FakeClock
from tests.support.clock import berlin
from workers import context
from workers import jobs

SID = "CA" + "7" * 32
PHONE = "+4917612345670"


@pytest.fixture
def clock():
    return FakeClock(berlin("2026-11-27 15:59"))  # a Friday, one minute before closing


def _container(settings, clock, monkeypatch) -> Container:
    container = Container(settings, clock=clock)
    monkeypatch.setattr(context, "get", lambda: container)
    return container


@pytest.fixture
def env(tmp_path, database_url, redis_url, engine, redis_conn, clock, monkeypatch):
    container = _container(make_settings(tmp_path, database_url, redis_url), clock, monkeypatch)
    yield container
    container.close()


@pytest.fixture
def asked(monkeypatch):
    """The SMS requests the worker makes (ivr.store.jobqueue.request_sms, the SMS helper's, stood in for)."""
    made: list[tuple[int, str]] = []
    monkeypatch.setattr(jobqueue, "request_sms", lambda conn, task_id, kind: made.append((task_id, kind)) or True,
                        raising=False)
    return made


def _event(engine, kind: str, payload: dict, sid: str = SID, key: str | None = None) -> int:
    with engine.begin() as conn:
        return conn.execute(events.insert().values(
            kind=kind, call_sid=sid, dedupe_key=key or f"{kind}:{sid}", created_at=datetime.now(UTC), attempts=0,
            payload=json.dumps(payload))).inserted_primary_key[0]


def _callback(engine, clock, desk: str = "info", sid: str = SID) -> dict:
    event = _event(engine, "callback", {"desk": desk, "phone": PHONE, "language": "ar", "at": clock().isoformat()},
                   sid=sid)
    assert jobs.process_event(event) == "callback"
    with engine.connect() as conn:
        return callbacks.of_call(conn, sid, desk)


def _refine(engine, clock, window, sms, desk: str = "info", sid: str = SID) -> int:
    return _event(engine, "refine", {"desk": desk, "window": window, "sms": sms, "at": clock().isoformat()},
                  sid=sid, key=f"refine:{sid}:{desk}")


def _processed(engine, event_id: int) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(events.c.processed_at).where(events.c.id == event_id)).scalar() is not None


def test_a_new_task_carries_the_day_spoken_a_reference_and_any_time(env, engine, clock, asked):
    task = _callback(engine, clock)
    assert task["due_at"].astimezone(BERLIN).strftime("%a %H:%M") == "Mon 15:59"  # 8 service hours at info
    assert task["promised_by"] == date(2026, 11, 30)
    assert task["window"] == "any" and task["sms_consent"] is None
    assert re.fullmatch(r"R-\d{4}", task["reference"]) and task["reference"] == callbacks.reference(task["id"])
    assert asked == []


def test_references_of_consecutive_tasks_differ_and_never_spell_the_number():
    refs = [callbacks.reference(i) for i in range(1, 10001)]
    assert len(set(refs)) == 10000
    assert refs[:3] == ["R-2740", "R-0659", "R-8578"]  # neighbours do not look like neighbours


@pytest.mark.parametrize("window, sms, due, day", [
    ("morning", True, "Tue 12:00", date(2026, 12, 1)),
    ("afternoon", False, "Mon 16:00", date(2026, 11, 30)),
    ("any", None, "Mon 15:59", date(2026, 11, 30)),
    ("evening", True, "Mon 15:59", date(2026, 11, 30)),  # not a window of this desk: any time
])
def test_the_window_moves_the_due_time_and_day_and_consent_asks_for_the_confirmation_once(
        env, engine, clock, asked, window, sms, due, day):
    task = _callback(engine, clock)
    clock.advance(seconds=20)
    event = _refine(engine, clock, window, sms)
    assert jobs.process_event(event) == "refine"
    assert jobs.process_event(event) == "done already"
    with engine.connect() as conn:
        after = callbacks.get(conn, task["id"])
    assert after["due_at"].astimezone(BERLIN).strftime("%a %H:%M") == due and after["promised_by"] == day
    assert after["window"] == (window if window != "evening" else "any") and after["sms_consent"] is sms
    assert after["reference"] == task["reference"] and after["created_at"] == task["created_at"]
    assert asked == ([(task["id"], "confirm")] if sms else [])


def test_a_refinement_before_its_task_exists_fails_and_is_applied_later(env, engine, clock, asked):
    event = _refine(engine, clock, "morning", True)
    with pytest.raises(jobs.TaskNotYet):
        jobs.process_event(event)
    assert not _processed(engine, event) and asked == []
    task = _callback(engine, clock)
    assert jobs.process_event(event) == "refine" and _processed(engine, event)
    assert asked == [(task["id"], "confirm")]


def test_a_task_closed_before_the_refinement_keeps_its_state_and_gets_no_sms(env, engine, clock, asked):
    task = _callback(engine, clock)
    with engine.begin() as conn:
        callbacks.close(conn, task["id"], "resolved", clock())
    assert jobs.process_event(_refine(engine, clock, "morning", True)) == "refine"
    with engine.connect() as conn:
        after = callbacks.get(conn, task["id"])
    assert (after["window"], after["sms_consent"], after["due_at"]) == ("any", None, task["due_at"])
    assert asked == []


def test_without_redis_the_refinement_waits_and_the_sms_is_asked_for_once_when_back(env, engine, clock, asked,
                                                                                    monkeypatch):
    task = _callback(engine, clock)
    event = _refine(engine, clock, "afternoon", True)
    env.__dict__["redis"] = None
    with pytest.raises(redis.ConnectionError):
        jobs.process_event(event)
    assert not _processed(engine, event) and asked == []
    with engine.connect() as conn:
        assert callbacks.get(conn, task["id"])["window"] == "any"  # rolled back with the event
    del env.__dict__["redis"]
    assert jobs.process_event(event) == "refine"
    assert jobs.process_event(event) == "done already"
    assert asked == [(task["id"], "confirm")]


def test_a_build_without_the_sms_sender_refines_and_logs(env, engine, clock, monkeypatch, caplog):
    monkeypatch.delattr(jobqueue, "request_sms", raising=False)
    task = _callback(engine, clock)
    assert jobs.process_event(_refine(engine, clock, "morning", True)) == "refine"
    with engine.connect() as conn:
        assert callbacks.get(conn, task["id"])["sms_consent"] is True
    assert "SMS confirmation not requested" in caplog.text and PHONE not in caplog.text


def test_a_desks_own_window_is_chosen_by_its_id(tmp_path, database_url, redis_url, engine, redis_conn, clock,
                                                monkeypatch, asked):
    text = Path(DEFAULT_CONFIG).read_text()
    marker = '    number: "+492027476330"\n    hours: *hours\n    callback_promise_hours: 24\n'
    assert marker in text  # zebera
    config = tmp_path / "config.yaml"
    config.write_text(text.replace(marker, marker + '    windows:\n      thu_evening: {digit: 2, hours: '
                                   '{thu: ["16:00-18:00"]}}\n', 1))
    container = _container(make_settings(tmp_path, database_url, redis_url, config_path=str(config)), clock,
                           monkeypatch)
    try:
        assert container.settings.desks["zebera"].windows
        task = _callback(engine, clock, desk="zebera")
        assert task["due_at"].astimezone(BERLIN).strftime("%a %d %H:%M") == "Wed 02 15:59"
        assert jobs.process_event(_refine(engine, clock, "thu_evening", False, desk="zebera")) == "refine"
        with engine.connect() as conn:
            after = callbacks.get(conn, task["id"])
        assert (after["window"], after["promised_by"]) == ("thu_evening", date(2026, 12, 3))
        assert after["due_at"].astimezone(BERLIN).strftime("%a %H:%M") == "Thu 18:00"
    finally:
        container.close()


def test_an_operators_closure_pushes_the_promise_to_count_from_its_end(env, engine, clock):
    closures.set_closure(engine, "info", "closure", berlin("2026-11-30 12:00"), "Personalversammlung", {}, "op",
                         clock())
    env.closures.refresh()
    task = _callback(engine, clock)  # Friday 15:59; info promises 8 service hours
    assert task["due_at"] == berlin("2026-12-01 12:00")  # Monday 12-16 and Tuesday 8-12, not Monday 15:59
    assert task["promised_by"] == date(2026, 12, 1)
