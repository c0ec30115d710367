"""The switchboard's engine context: reads happen only when a step needs them, once per number, and say what was
read (so a step that read the world is never reused for another call); unknown when the database fails."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ivr.container import Container
from ivr.hotline import callbacks
from ivr.hotline import closures
from ivr.web.voice.switchboard import CallbackFacts
from ivr.web.voice.switchboard import Switchboard
from tests.support.clock import berlin

CALLER = "+4917612345678"


def _board(app) -> Switchboard:
    return app.extensions["ivr.web.voice"]


def _statements(engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_numbers_open_desks_and_tasks_of_the_last_day(app, make_task, engine, clock):
    make_task("zebera", received_hours_ago=2)
    closed = make_task("info", received_hours_ago=3)
    make_task("integration_point", received_hours_ago=30)  # open, but older than a day
    make_task("zebera", phone="+4917699999999")
    with engine.begin() as conn:
        callbacks.close(conn, closed, "resolved", clock())
    facts = _board(app).callback_facts(CALLER, clock())
    assert facts == CallbackFacts(frozenset({"zebera", "integration_point"}), 2)
    assert (facts.open_at("zebera"), facts.open_at("info")) == (True, False)


def test_the_context_reads_once_per_number_and_only_when_asked(app, make_task, clock):
    make_task("zebera")
    board = _board(app)
    seen = _statements(board.container.engine)
    touched = [False, False]
    ctx = board.context({"From": CALLER}, clock(), touched)
    assert ctx.caller == CALLER and seen == [] and touched == [False, False]
    assert ctx.has_open_callback("zebera", CALLER) is True
    assert ctx.has_open_callback("info", CALLER) is False
    assert ctx.callbacks_today(CALLER) == 1
    assert len(seen) == 1 and touched == [True, False]  # one query for all three answers; the step read the world


def test_the_closures_alone_leave_a_step_reusable(app, clock):
    touched = [False, False]
    ctx = _board(app).context({"From": CALLER}, clock(), touched)
    assert ctx.announcement() is None
    assert touched == [False, True]  # reusable until the closures change
    ctx.desk_status("zebera")
    assert touched == [True, True]


def test_an_anonymous_caller_has_no_number(app, clock):
    assert _board(app).context({"From": "anonymous"}, clock()).caller is None


def test_a_database_that_does_not_answer_leaves_the_facts_unknown(settings, clock):
    container = Container(settings.model_copy(update={"database_url": "postgresql://nobody@127.0.0.1:1/none"}),
                          web=True)
    try:
        board = Switchboard(container)
        facts = board.callback_facts(CALLER, clock())
        assert facts == CallbackFacts(None, None) and facts.open_at("zebera") is None
        ctx = board.context({"From": CALLER}, clock())
        assert (ctx.has_open_callback("zebera", CALLER), ctx.callbacks_today(CALLER)) == (None, None)
    finally:
        container.close()


@pytest.mark.parametrize(("at", "window", "day"), [
    ("2026-11-27 15:59", "any", date(2026, 12, 2)),  # Friday 15:59: a minute, Monday, Tuesday, Wednesday to 15:59
    ("2026-11-27 15:59", "afternoon", date(2026, 12, 2)),
    ("2026-11-27 15:59", "morning", date(2026, 12, 3)),  # Wednesday's morning is over: Thursday's
    ("2026-12-23 15:00", "any", date(2026, 12, 30)),  # Heiligabend closed, Christmas holidays, the weekend
    ("2027-02-08 11:00", "any", date(2027, 2, 11)),  # Rosenmontag: closed from 12:00
    ("2027-02-08 11:00", "morning", date(2027, 2, 12)),
])
def test_the_promised_day_is_counted_in_the_desks_service_hours_inside_the_window(app, at, window, day):
    board = _board(app)
    assert board.promise_day("CA" + "9" * 32, "zebera", window, berlin(at)) == day
    ctx = board.context({"From": CALLER, "CallSid": "CA" + "9" * 32}, berlin(at))
    assert ctx.promise_day("zebera", window) == day


def test_the_promised_day_counts_from_the_calls_task_as_the_worker_does(app, make_task, clock, engine):
    make_task("zebera", received_hours_ago=24 * 7)  # the task of this call, a week old (Tuesday 17 November)
    with engine.connect() as conn:
        (call_sid,) = conn.execute(sa.text("SELECT call_sid FROM callbacks")).one()
    board = _board(app)
    assert board.promise_day(call_sid, "zebera", "any", clock()) == date(2026, 11, 19)  # Tue 6, Wed 8, Thu 10 hours
    assert board.promise_day("CA" + "8" * 32, "zebera", "any", clock()) == date(2026, 11, 26)  # no task: from now


def test_the_promised_day_counts_from_the_end_of_an_operators_closure(app, engine):
    at = berlin("2026-11-27 15:59")
    closures.set_closure(engine, "zebera", "closure", berlin("2026-11-30 12:00"), "Umzug", {}, "op", at)
    board = _board(app)
    board.container.closures.refresh()
    assert board.promise_day("CA" + "9" * 32, "zebera", "any", at) == date(2026, 12, 3)  # Monday from 12:00 on


def test_the_windows_by_key_are_the_desks(app):
    assert _board(app).windows("zebera") == {"1": "morning", "2": "afternoon", "3": "any"}
