"""The switchboard's engine context: reads happen only when a step needs them, once per number, and say what was
read (so a step that read the world is never reused for another call); unknown when the database fails."""

from __future__ import annotations

import sqlalchemy as sa

from ivr.container import Container
from ivr.hotline import callbacks
from ivr.web.voice.switchboard import CallbackFacts
from ivr.web.voice.switchboard import Switchboard

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
