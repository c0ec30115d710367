"""Callback task records: one task per call and desk, one getter, one rule for closing, the number's open tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ivr.hotline import callbacks
from ivr.hotline import users
from ivr.store.db import task_claims

NUMBER = "+4917612345678"


def _create(conn, clock, n: int = 1, desk: str = "zebera", phone: str = NUMBER, hours_ago: float = 0):
    at = clock() - timedelta(hours=hours_ago)
    return callbacks.create(conn, desk, phone, "de", f"CA{n:032d}", at, at + timedelta(hours=24))


def test_a_repeated_job_and_a_caller_who_waits_already_get_the_existing_task(engine, clock):
    with engine.begin() as conn:
        first, created = _create(conn, clock, 1)
        assert created
        assert _create(conn, clock, 1) == (first, False)  # the job ran twice
        assert _create(conn, clock, 2) == (first, False)  # a second call while the first task is open
        other_desk, created = _create(conn, clock, 2, desk="helpers")
        assert created and other_desk != first
        callbacks.close(conn, first, "resolved", clock())
        assert _create(conn, clock, 1) == (first, False)  # the call's own task, closed, stays the one
        again, created = _create(conn, clock, 3)  # a new call after the task was closed: a new task
        assert created and again not in (first, other_desk)


def test_get_returns_the_task_with_whoever_holds_it(engine, clock):
    with engine.begin() as conn:
        task_id, _ = _create(conn, clock)
        anna = users.create(conn, "anna", "a long test password", "staff", clock(), display_name="Anna A.")
        row = callbacks.get(conn, task_id)
        assert (row["phone"], row["status"], row["holder_id"], row["holder"]) == (NUMBER, "open", None, None)
        conn.execute(task_claims.insert().values(callback_id=task_id, user_id=anna, claimed_at=clock()))
        row = callbacks.get(conn, task_id)
        assert (row["holder_id"], row["holder"]) == (anna, "Anna A.")
        assert callbacks.get(conn, task_id + 1000) is None


def test_close_releases_the_claim_and_writes_the_step_once(engine, clock):
    with engine.begin() as conn:
        task_id, _ = _create(conn, clock)
        anna = users.create(conn, "anna", "a long test password", "staff", clock())
        conn.execute(task_claims.insert().values(callback_id=task_id, user_id=anna, claimed_at=clock()))
        assert callbacks.close(conn, task_id, "withdrawn", clock(), actor="api:3")
        later = clock() + timedelta(hours=1)
        assert callbacks.close(conn, task_id, "duplicate", later, actor="cli")  # exists: True, but changes nothing
        row = callbacks.get(conn, task_id)
        assert (row["status"], row["outcome"], row["closed_at"], row["holder_id"]) == \
            ("closed", "withdrawn", clock(), None)
        steps = [(s["actor"], s["kind"], s["outcome"]) for s in callbacks.history(conn, task_id)]
        assert steps == [("api:3", "close", "withdrawn")]
        assert not callbacks.close(conn, task_id + 1000, "resolved", clock())


def test_close_refuses_an_outcome_outside_the_one_list(engine, clock):
    with engine.begin() as conn:
        task_id, _ = _create(conn, clock)
        with pytest.raises(callbacks.OutcomeError, match="resolved"):
            callbacks.close(conn, task_id, "reached", clock())
        assert callbacks.get(conn, task_id)["status"] == "open"
    assert {"resolved", "forwarded", "unreachable", "wrong_number"} <= callbacks.CLOSE_OUTCOMES


def test_has_open_and_of_number_see_only_this_numbers_open_tasks_and_its_last_day(engine, clock):
    with engine.begin() as conn:
        old, _ = _create(conn, clock, 1, desk="zebera", hours_ago=30)
        _create(conn, clock, 2, desk="helpers", hours_ago=2)
        _create(conn, clock, 3, desk="info", phone="+4917699999999")
        callbacks.close(conn, _create(conn, clock, 4, desk="info", hours_ago=1)[0], "resolved", clock())
        assert callbacks.has_open(conn, "zebera", NUMBER)
        assert not callbacks.has_open(conn, "info", NUMBER)  # closed
        assert not callbacks.has_open(conn, "zebera", "+4917699999999")
        found = callbacks.of_number(conn, NUMBER, clock())
        assert found.open_desks == {"zebera", "helpers"}
        assert found.today == 2  # the task of 30 hours ago is open but not of the last day
        callbacks.close(conn, old, "resolved", clock())
        assert callbacks.of_number(conn, NUMBER, clock()).open_desks == {"helpers"}
        assert callbacks.of_number(conn, "+4917600000000", clock()) == (frozenset(), 0)


def test_listing_filters_and_orders_newest_first_within_the_limit(engine, clock):
    with engine.begin() as conn:
        ids = [_create(conn, clock, n, desk=desk, phone=f"+49176123456{n:02d}", hours_ago=10 - n)[0]
               for n, desk in enumerate(("zebera", "helpers", "zebera", "zebera"), start=1)]
        callbacks.close(conn, ids[2], "resolved", clock())
        assert [r["id"] for r in callbacks.listing(conn)] == ids[::-1]
        assert [r["id"] for r in callbacks.listing(conn, desk="zebera", status="open")] == [ids[3], ids[0]]
        assert [r["id"] for r in callbacks.listing(conn, limit=0)] == [ids[3]]  # at least one
        assert len(callbacks.listing(conn, limit=10**9)) == 4


def test_attach_recording_finds_the_calls_task_at_one_desk(engine, clock):
    with engine.begin() as conn:
        zebera, _ = _create(conn, clock, 1, desk="zebera")
        helpers, _ = _create(conn, clock, 1, desk="helpers")
        assert callbacks.attach_recording(conn, f"CA{1:032d}", "helpers", "https://api.twilio.com/RE1", "RE1", 12,
                                          clock()) == 1
        assert callbacks.get(conn, zebera)["recording_sid"] is None
        data = callbacks.as_json(callbacks.get(conn, helpers))
    assert (data["recording_url"], data["has_recording"], data["status"]) == ("https://api.twilio.com/RE1", True,
                                                                               "open")
    assert data["created_at"] == clock().isoformat() and data["closed_at"] is None
    assert set(data) >= {"id", "desk", "phone", "language", "outcome", "call_sid", "due_at", "attempts"}

