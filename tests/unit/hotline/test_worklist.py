"""The desk list: claims, attempts, forwards, the list's order and the desk figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ivr.hotline import callbacks
from ivr.hotline import calls
from ivr.hotline import users
from ivr.hotline import worklist
from ivr.hotline.officehours import build_schedules
from ivr.hotline.worklist import Attempt
from ivr.hotline.worklist import TaskError
from tests.support.clock import BERLIN

SPACING = 120
"""Minutes between attempts in these tests."""


@pytest.fixture
def staff(engine, clock):
    """`staff(name, role)` creates an account on desk zebera and returns the User."""
    def make(name: str, role: str = "staff"):
        with engine.begin() as conn:
            user_id = users.create(conn, name, "a long test password", role, clock(), display_name=name.title())
            users.add_desk(conn, name, "zebera")
            return users.load(conn, user_id)

    return make


@pytest.fixture
def schedule(settings):
    return build_schedules(settings.config)["zebera"]


def _task(conn, clock, n: int = 1, desk: str = "zebera", due_hours: float = 24, phone: str = "+4917612345678"):
    task_id, _ = callbacks.create(conn, desk, phone, "de", f"CA{n:032d}", clock(), clock() + timedelta(hours=due_hours))
    return task_id


def _attempt(conn, task_id, user, outcome, clock, schedule, close=False, next_at=None, max_attempts=3):
    return worklist.log_attempt(conn, callbacks.get(conn, task_id), user, Attempt(outcome, "", close, next_at),
                                clock(), schedule, SPACING, max_attempts)


def test_one_holder_at_a_time_and_a_supervisor_may_release(engine, clock, staff):
    anna, bert, vera = staff("anna"), staff("bert"), staff("vera", "supervisor")
    with engine.begin() as conn:
        task_id = _task(conn, clock)
        worklist.claim(conn, callbacks.get(conn, task_id), anna, clock())
        worklist.claim(conn, callbacks.get(conn, task_id), anna, clock())  # her own: nothing happens
        with pytest.raises(TaskError) as refused:
            worklist.claim(conn, callbacks.get(conn, task_id), bert, clock())
        assert (refused.value.key, refused.value.holder) == ("claimed_elsewhere", "Anna")
        with pytest.raises(TaskError, match="claimed_elsewhere"):
            worklist.release(conn, callbacks.get(conn, task_id), bert, clock())
        worklist.release(conn, callbacks.get(conn, task_id), vera, clock())
        assert callbacks.get(conn, task_id)["holder_id"] is None
        steps = [(s["actor"], s["kind"]) for s in callbacks.history(conn, task_id)]
        assert steps == [("anna", "claim"), ("vera", "release")]


def test_a_failed_attempt_reschedules_within_service_hours(engine, clock, staff, schedule):
    anna = staff("anna")
    with engine.begin() as conn:
        task_id = _task(conn, clock)
        assert _attempt(conn, task_id, anna, "busy", clock, schedule) == "open"
        row = callbacks.get(conn, task_id)
        assert (row["attempts"], row["holder_id"]) == (1, None)  # the attempt ends the claim
        assert row["next_attempt_at"] == schedule.add_service_hours(clock(), SPACING / 60)
        chosen = clock() + timedelta(days=1)
        _attempt(conn, task_id, anna, "no_answer", clock, schedule, next_at=chosen)
        assert callbacks.get(conn, task_id)["next_attempt_at"] == chosen
        steps = [(s["kind"], s["outcome"]) for s in callbacks.history(conn, task_id)]
        assert steps == [("claim", None), ("attempt", "busy"), ("claim", None), ("attempt", "no_answer")]


@pytest.mark.parametrize("outcome, closed_as", [("reached_resolved", "resolved"), ("reached_forwarded", "forwarded"),
                                               ("wrong_number", "wrong_number")])
def test_reaching_the_caller_closes_the_task_through_the_one_close_rule(engine, clock, staff, schedule, outcome,
                                                                        closed_as):
    anna = staff("anna")
    with engine.begin() as conn:
        task_id = _task(conn, clock)
        assert _attempt(conn, task_id, anna, outcome, clock, schedule) == "closed"
        row = callbacks.get(conn, task_id)
        assert (row["status"], row["outcome"], row["attempts"], row["holder_id"], row["next_attempt_at"]) == \
            ("closed", closed_as, 1, None, None)
        steps = [(s["actor"], s["kind"], s["outcome"]) for s in callbacks.history(conn, task_id)]
        assert steps[1:] == [("anna", "attempt", outcome), ("anna", "close", closed_as)]
        with pytest.raises(TaskError, match="task_closed"):
            worklist.claim(conn, callbacks.get(conn, task_id), anna, clock())


def test_the_last_attempt_or_giving_up_closes_as_unreachable(engine, clock, staff, schedule):
    anna = staff("anna")
    with engine.begin() as conn:
        tries, given_up = _task(conn, clock, 1), _task(conn, clock, 2, phone="+4917612345679")
        assert [_attempt(conn, tries, anna, "busy", clock, schedule, max_attempts=2) for _ in range(2)] == \
            ["open", "closed"]
        assert _attempt(conn, given_up, anna, "voicemail_left", clock, schedule, close=True) == "closed"
        for task_id in (tries, given_up):
            assert callbacks.get(conn, task_id)["outcome"] == "unreachable"
        with pytest.raises(TaskError, match="invalid_input"):
            _attempt(conn, _task(conn, clock, 3, phone="+4917612345670"), anna, "lunch", clock, schedule)


def test_forward_moves_the_task_and_refuses_a_desk_where_the_call_has_one(engine, clock, staff):
    anna = staff("anna")
    with engine.begin() as conn:
        task_id = _task(conn, clock, 1, due_hours=5)
        _task(conn, clock, 1, desk="integration_point")  # the same call left a task there too
        moved = _task(conn, clock, 2, phone="+4917612345679")
        worklist.claim(conn, callbacks.get(conn, moved), anna, clock())
        worklist.forward(conn, callbacks.get(conn, moved), anna, "helpers", "Frage zu BA", clock())
        row = callbacks.get(conn, moved)
        assert (row["desk"], row["holder_id"]) == ("helpers", None)
        assert callbacks.history(conn, moved)[-1]["note"] == "Frage zu BA"
        with pytest.raises(TaskError, match="forward_conflict"):
            worklist.forward(conn, callbacks.get(conn, task_id), anna, "integration_point", "", clock())
        assert callbacks.get(conn, task_id)["desk"] == "zebera"


def test_the_desk_list_shows_open_tasks_oldest_due_first_with_their_holder(engine, clock, staff, schedule):
    anna = staff("anna")
    with engine.begin() as conn:
        late = _task(conn, clock, 1, due_hours=30)
        soon = _task(conn, clock, 2, due_hours=2, phone="+4917612345679")
        _task(conn, clock, 3, desk="helpers", phone="+4917612345670")
        done = _task(conn, clock, 4, phone="+4917612345671")
        callbacks.close(conn, done, "resolved", clock())
        worklist.claim(conn, callbacks.get(conn, late), anna, clock())
        rows = worklist.open_tasks(conn, ["zebera"])
    assert [(r["id"], r["holder"]) for r in rows] == [(soon, None), (late, "Anna")]
    assert worklist.remaining_service_hours(schedule, clock(), clock() - timedelta(hours=3)) == -3
    assert worklist.remaining_service_hours(schedule, clock(), rows[0]["due_at"]) > 0


def test_lapsed_claims_are_released_and_noted(engine, clock, staff):
    anna = staff("anna")
    with engine.begin() as conn:
        old, fresh = _task(conn, clock, 1), _task(conn, clock, 2, phone="+4917612345679")
        worklist.claim(conn, callbacks.get(conn, old), anna, clock() - timedelta(hours=2))
        worklist.claim(conn, callbacks.get(conn, fresh), anna, clock())
        assert worklist.expire_claims(conn, clock() - timedelta(hours=1), clock()) == 1
        assert (callbacks.get(conn, old)["holder_id"], callbacks.get(conn, fresh)["holder_id"]) == (None, anna.id)
        assert callbacks.history(conn, old)[-1]["kind"] == "claim_expired"


def test_overview_and_search_stay_within_the_desks_asked(engine, clock):
    with engine.begin() as conn:
        _task(conn, clock, 1, due_hours=-1)  # overdue
        _task(conn, clock, 2, phone="+4917612345679")
        _task(conn, clock, 3, desk="helpers")
        for n in range(2):
            calls.note_reached(conn, f"CB{n}", "zebera", "transferred", "de", None, clock(), BERLIN)
        figures = worklist.overview(conn, ["zebera", "info"], clock(), calls.get(conn, "CB0")["local_date"])
        found = worklist.search(conn, "+4917612345678", ["zebera"])
    assert figures["zebera"] | {"oldest": None} == {"open": 2, "overdue": 1, "oldest": None, "calls_today": 2}
    assert figures["info"] == {"open": 0, "overdue": 0, "oldest": None, "calls_today": 0}
    assert [r["desk"] for r in found] == ["zebera"]



def test_the_lists_choices_and_orders(clock):
    """Workable now first by due; received by the request; the window's order; choices by readiness, language,
    holder."""
    anna = users.User(id=7, username="anna", display_name="Anna", role="staff", phone=None, languages=("de", "ar"),
                      ui_lang="de", desks=("zebera",))
    now = clock()

    def task(n, ready, received_ago, window_digit, language="de", holder_id=None):
        return {"id": n, "ready": ready, "created_at": now - timedelta(hours=received_ago), "queued_at": None,
                "window_digit": window_digit, "language": language, "holder_id": holder_id}

    by_due = [task(1, False, 1, 3), task(2, True, 5, 2, "tr"), task(3, False, 9, 1, holder_id=7), task(4, True, 2, 1)]
    assert [t["id"] for t in worklist.arranged(by_due, "due")] == [2, 4, 1, 3]  # a Monday attempt goes below
    assert [t["id"] for t in worklist.arranged(by_due, "received")] == [3, 2, 4, 1]
    assert [t["id"] for t in worklist.arranged(by_due, "window")] == [3, 4, 2, 1]
    chosen = {show: [t["id"] for t in by_due if worklist.shown(t, show, anna)] for show in worklist.SHOWS}
    assert chosen == {"all": [1, 2, 3, 4], "now": [2, 4], "languages": [1, 3, 4], "mine": [3]}
