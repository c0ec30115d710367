"""The checks of a flow set: prompts per language and placeholder, references, menus, reachability, audio."""

from __future__ import annotations

import textwrap

from ivr.core.yamldoc import Document
from ivr.core.yamldoc import parse
from ivr.engine import schema
from ivr.engine.model import LanguageInfo
from ivr.engine.validate import MISSING_AUDIO
from ivr.engine.validate import check_flow
from ivr.engine.validate import check_prompts

LANGUAGES = {"de": LanguageInfo("de", "Deutsch", "Polly.Vicki-Neural", "de-DE", audio=False),
             "fa": LanguageInfo("fa", "فارسی", None, "fa-IR", audio=True)}
FLOW = textwrap.dedent("""\
    spec_version: 1
    kind: flow
    id: hotline
    start: who
    languages: [de, fa]
    nodes:
      who:
        type: menu
        say: [who_menu]
        options:
          "1": desk
          "0": desk
        on_failure: desk
      desk:
        type: desk
        desk: info
""")
BUILTIN = ("invalid", "no_input", "hold", "desk_busy", "closed_hours", "closed_holiday", "closed_today", "open_again",
           "cb_offer", "cb_choice", "cb_enter", "cb_readback", "cb_invalid", "cb_refused", "cb_country", "cb_created",
           "cb_exists", "cb_limit", "cb_caller_country", "cb_window", "cb_sms", "cb_promise", "consent", "record",
           "recorded", "no_one", "goodbye", "to_person",
           "queue_position", "queue_wait_under", "queue_wait_about", "queue_wait_over", "queue_no_estimate",
           "queue_offer", "queue_left_timeout", "queue_left_closed", "queue_left_nobody")
PROMPTS = {pid: {"de": "Text", "fa": "Matn"} for pid in BUILTIN + ("who_menu",)}


def _check(text: str = FLOW, prompts=PROMPTS, desks=("info",), existing=frozenset()):
    doc = parse(text, "flows/test.yaml")
    problems, incomplete = check_flow(doc, schema.FlowFile.model_validate(doc.data), desks, prompts, LANGUAGES,
                                      existing)
    return [str(p) for p in problems], incomplete


def test_desks_are_checked_against_the_configured_ids():
    problems, _ = _check(desks=("info",))
    assert [p for p in problems if "desk" in p and "unknown" in p] == []
    problems, _ = _check(desks=("zebera",))
    assert "flows/test.yaml:16: node 'desk': unknown desk 'info'" in problems


def test_a_recorded_language_without_its_files_is_incomplete_and_a_warning():
    problems, incomplete = _check()
    assert incomplete == {"fa"}
    assert any(MISSING_AUDIO in p and "language 'fa'" in p and "left out of the language menu" in p for p in problems)
    from ivr.engine.prompts import clip_files

    present = frozenset(f"fa/{pid}.wav" for pid in PROMPTS) | {f"fa/{c}" for c in clip_files()}
    problems, incomplete = _check(existing=present)
    assert incomplete == set() and problems == []


def test_a_prompt_without_a_text_in_an_offered_language():
    prompts = dict(PROMPTS, who_menu={"de": "Wer?"})
    problems, _ = _check(prompts=prompts, existing=frozenset())
    assert "flows/test.yaml:9: prompt 'who_menu' has no text in language 'fa'" in problems


def test_the_prompt_catalogue_knows_its_languages_and_placeholders():
    doc = Document("flows/prompts.yaml", {"prompts": {}}, {(): 1})
    where = {"a": (doc, "a"), "b": (doc, "b")}
    problems = [p.message for p in check_prompts({"a": {"de": "{weekday} {colour}", "xx": "?", "fa": "{time}"},
                                                  "b": {"de": "{controller}"}}, where, LANGUAGES)]
    assert "prompt 'a': unknown language 'xx'" in problems
    assert "prompt 'a' (de): unknown placeholder {colour}" in problems
    assert "prompt 'a' (fa): placeholders ['time'] differ from ['weekday']" in problems
    assert len(problems) == 3  # {controller} is a static value


def test_a_desks_own_window_prompt_needs_its_recorded_audio_too():
    from ivr.engine.prompts import clip_files

    prompts = {**PROMPTS, "cb_window_info": {"de": "Donnerstagabend: die 2.", "fa": "Matn"}}
    present = frozenset(f"fa/{pid}.wav" for pid in PROMPTS) | {f"fa/{c}" for c in clip_files()}
    problems, incomplete = _check(prompts=prompts, existing=present)
    assert incomplete == {"fa"} and any("fa/cb_window_info.wav" in p for p in problems)
    _, complete = _check(prompts=prompts, existing=present | {"fa/cb_window_info.wav"})
    assert complete == set()
