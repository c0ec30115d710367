"""The step function on its own: a fake context, no web, no Redis, no database."""

from __future__ import annotations

import ast
from datetime import UTC
from datetime import datetime

import pytest

from ivr.core.errors import UnknownNodeError
from ivr.engine import runtime
from ivr.engine.hours import DeskStatus
from ivr.engine.model import CallbackRequested
from ivr.engine.model import Context
from ivr.engine.model import Dial
from ivr.engine.model import Event
from ivr.engine.model import Gather
from ivr.engine.model import Hangup
from ivr.engine.model import NumberCheck
from ivr.engine.model import Speak
from ivr.engine.model import State
from ivr.flowops.source import load_bundle
from ivr.settings import ROOT
from ivr.settings import load_config

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(ROOT / "flows", load_config(ROOT / "config.yaml"), ROOT / "ivr" / "static" / "audio")


def _ctx(open_: bool = True, caller: str | None = "+4917612345678", open_callback: bool | None = False):
    status = DeskStatus(True, "open", NOW) if open_ else DeskStatus(False, "hours", datetime(2026, 11, 25, 7, 0,
                                                                                              tzinfo=UTC))
    return Context(now=NOW, caller=caller, desk_status=lambda desk: status,
                   check_number=lambda raw: NumberCheck(True, "+4917612345678") if raw else NumberCheck(False),
                   has_open_callback=lambda desk, phone: open_callback)


def test_engine_imports_no_framework():
    banned = {"flask", "redis", "rq", "sqlalchemy", "werkzeug", "twilio"}
    for path in (ROOT / "ivr" / "engine").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not {n.split(".")[0] for n in names} & banned, (path.name, names)


def test_start_greets_and_asks_for_a_language(bundle):
    step = runtime.start(bundle, _ctx())
    assert isinstance(step.actions[0], Speak)
    gather = step.actions[-1]
    assert isinstance(gather, Gather) and gather.state.node == "language"
    assert step.visited == ("greeting", "language")
    assert not step.private


def test_is_deterministic(bundle):
    assert runtime.start(bundle, _ctx()) == runtime.start(bundle, _ctx())


def test_language_choice_sets_language(bundle):
    state = State("language", "de", bundle.version, "hotline")
    step = runtime.step(bundle, state, Event(digits="7"), _ctx())
    assert step.lang == "en"
    assert step.actions[-1].state.node == "who"


def test_retries_then_on_failure(bundle):
    state = State("who", "de", bundle.version, "hotline")
    for retries in (1, 2):
        step = runtime.step(bundle, state, Event(digits="5"), _ctx())
        state = step.actions[-1].state
        assert state.retries == retries and state.node == "who"
    step = runtime.step(bundle, state, Event(digits="5"), _ctx())
    assert isinstance(step.actions[-1], Dial)  # on_failure: the information desk


def test_closed_desk_returns_callback_effect_once_settled(bundle):
    state = State("desk_zebera", "de", bundle.version, "hotline", sub="choice")
    step = runtime.step(bundle, state, Event(digits="1"), _ctx(open_=False))
    assert CallbackRequested("zebera", "+4917612345678", "de") in step.effects
    assert step.actions[-1].state.sub == "window"  # then the window, the SMS offer for a mobile, the consent


def test_existing_callback_is_announced_not_duplicated(bundle):
    state = State("desk_zebera", "de", bundle.version, "hotline", sub="choice")
    step = runtime.step(bundle, state, Event(digits="1"), _ctx(open_=False, open_callback=True))
    assert not any(isinstance(e, CallbackRequested) for e in step.effects)
    assert isinstance(step.actions[-1], Hangup)


def test_read_back_marks_the_step_private(bundle):
    state = State("desk_zebera", "de", bundle.version, "hotline")
    step = runtime.step(bundle, state.but(sub="dialed"), Event(dial_status="busy"), _ctx())
    assert step.private  # the caller's number is in the prompt: never cached


def test_unknown_node_is_an_error(bundle):
    with pytest.raises(UnknownNodeError):
        runtime.step(bundle, State("nowhere", "de", bundle.version, "hotline"), Event(), _ctx())

