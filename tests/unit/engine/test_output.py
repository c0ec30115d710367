"""One step's output: languages with their audio, utterances in order, the path handed on in every state."""

from __future__ import annotations

from dataclasses import replace

from ivr.engine.model import MAX_PATH
from ivr.engine.model import Gather
from ivr.engine.model import Hangup
from ivr.engine.model import Redirect
from ivr.engine.model import Say
from ivr.engine.model import Speak
from ivr.engine.model import State
from ivr.engine.output import Output


def _out(bundle, lang: str = "de", **state) -> Output:
    return Output(bundle, State("who", lang, bundle.version, "hotline", **state))


def test_a_language_without_its_audio_falls_back_to_the_default(shipped):
    bundle = replace(shipped, available=frozenset({"de"}))
    out = _out(bundle, "fa")
    assert out.lang_for() == "de"
    assert out.lang_for("fa") is None and out.render("who_menu", forced="fa") == ()  # left out of a language menu
    assert out.lang_for("de") == "de"


def test_spoken_digits_make_the_step_private(shipped):
    out = _out(shipped)
    out.say("goodbye")
    assert not out.private
    out.say("cb_choice", {"digits": "0176"})
    assert out.private


def test_speech_is_flushed_before_each_action_and_the_end_says_goodbye(shipped):
    out = _out(shipped)
    out.say("invalid")
    out.gather(State("who", "de", shipped.version), out.render("who_menu"), 8)
    out.end()
    step = out.step()
    kinds = [type(a) for a in step.actions]
    assert kinds == [Speak, Gather, Speak, Hangup]
    (goodbye,) = step.actions[2].items
    assert isinstance(goodbye, Say) and goodbye.text == shipped.prompts["goodbye"]["de"]


def test_every_state_handed_on_carries_the_nodes_visited_so_far(shipped):
    out = _out(shipped, path=("greeting",), depth=1)
    out.visited += ["language", "who"]
    out.actions.append(Redirect(State("who", "de", shipped.version)))
    step = out.step()
    assert step.path == ("greeting", "language", "who") == step.actions[0].state.path
    assert (step.actions[0].state.depth, step.first) == (3, 1)


def test_the_path_in_a_url_is_bounded(shipped):
    out = _out(shipped, path=tuple(f"n{i}" for i in range(MAX_PATH)), depth=MAX_PATH)
    out.visited.append("who")
    out.actions.append(Redirect(State("who", "de", shipped.version)))
    state = out.step().actions[0].state
    assert len(state.path) == MAX_PATH and state.depth == MAX_PATH + 1
