"""The words callers and staff meet: one word per language for a desk, thanks said once after a voice message, and
a privacy notice in each caller's own language (articles in German, no German "und" elsewhere)."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from ivr.flowops.source import load_bundle
from ivr.settings import ROOT
from ivr.settings import load_config

LANGUAGE_KEY = {"de": "1", "ar": "2", "uk": "3", "tr": "4", "fa": "5", "kmr": "6", "en": "7", "ru": "8"}
DESK_WORDS = {"de": "Stelle", "en": "desk", "ar": "قسم", "uk": "відділ", "tr": "birim", "fa": "بخش", "kmr": "beş",
              "ru": "отдел"}
"""The one word for a desk in each caller language (docs/operators.md, "Words we use")."""
DESK_PROMPTS = {"closed_hours", "closed_today", "cb_exists", "queue_left_closed"}
"""The prompts that speak of "this desk"."""
FORBIDDEN = re.compile(r"\b(Theken?|Teams?)\b", re.IGNORECASE)
"""Other words once used for a desk ("Teamleitung", the supervisors' role, is a word of its own)."""
THANKS = {"de": r"\bDank", "en": r"\bthank", "ar": "شكر", "uk": "Дяку", "tr": "Teşekkür", "fa": "متشکر|ممنون|سپاس",
          "kmr": r"\bSpas\b", "ru": "Спасибо|Благодар"}


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(ROOT / "flows", load_config(ROOT / "config.yaml"), ROOT / "ivr" / "static" / "audio")


def _catalog(lang: str) -> list[str]:
    with open(ROOT / "ivr" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        messages = [m.string for m in read_po(po) if m.id]
    return [text for m in messages for text in ((m,) if isinstance(m, str) else m)]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_interface_never_calls_a_desk_anything_else(lang):
    texts = _catalog(lang)
    assert texts and [t for t in texts if FORBIDDEN.search(t)] == []
    word = {"de": "Stelle", "en": "desk"}[lang]
    assert sum(word.lower() in t.lower() for t in texts) >= 10  # the word is there, used throughout


@pytest.mark.parametrize("path", sorted((ROOT / "flows").glob("*.yaml")) + [ROOT / "README.md", ROOT / "config.yaml"]
                         + sorted((ROOT / "docs").glob("*.md")) + sorted((ROOT / "ivr" / "templates").rglob("*.html")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_flows_docs_and_pages_never_call_a_desk_anything_else(path):
    text = re.sub(r"\n## Words we use\n.*?(?=\n## )", "", path.read_text(), flags=re.DOTALL)  # names them once
    found = [line for line in text.splitlines() if FORBIDDEN.search(line)]
    assert found == []


def test_each_caller_language_has_one_word_for_a_desk(bundle):
    for pid in DESK_PROMPTS:
        for lang, word in DESK_WORDS.items():
            assert word.lower() in bundle.prompts[pid][lang].lower(), (pid, lang)
    # in German "Stelle" is the desk and nothing else (a place in the queue is a "Platz")
    assert {pid for pid, texts in bundle.prompts.items() if "Stelle" in texts.get("de", "")} == DESK_PROMPTS


def test_the_words_we_use_are_documented_for_operators():
    section = (ROOT / "docs" / "operators.md").read_text().split("## Words we use", 1)[1].split("\n## ", 1)[0]
    for lang, word in DESK_WORDS.items():
        assert re.search(rf"^\| `{lang}` \|.*{re.escape(word)}", section, re.MULTILINE), lang


def test_the_german_privacy_notice_names_the_controllers_with_their_articles(bundle):
    text = bundle.prompts["privacy"]["de"]
    assert ("Verantwortlich sind die Stadt Wuppertal, das Jobcenter Wuppertal und die Bundesagentur für Arbeit."
            in text)
    controller = load_config(ROOT / "config.yaml").privacy.controller  # the record the prompts must follow
    assert all(name in text for name in re.split(r", | und ", controller))


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGE_KEY if lang != "de"])
def test_no_german_and_inside_another_languages_privacy_notice(bundle, lang):
    text = bundle.prompts["privacy"][lang]
    assert " und " not in text and "Stadt" not in text and "Bundesagentur" not in text
    assert "Wuppertal" in text or "ووپرتال" in text or "فوبرتال" in text or "Вуппертал" in text


def test_the_message_acknowledgement_leaves_the_thanks_to_the_promise(bundle):
    for lang, thanks in THANKS.items():
        assert not re.search(thanks, bundle.prompts["recorded"][lang], re.IGNORECASE), lang
        for promise in ("cb_promise", "cb_created"):
            assert len(re.findall(thanks, bundle.prompts[promise][lang], re.IGNORECASE)) == 1, (promise, lang)


def _heard(turn, bundle, lang: str) -> str:
    """What the caller hears in a turn: the spoken text, or the catalogue texts of the recorded files played."""
    played = [url.rsplit("/", 1)[1].split(".", 1)[0] for url in turn.plays if f"/audio/{lang}/" in url]
    return " ".join(turn.says + [bundle.prompts[pid][lang] for pid in dict.fromkeys(played) if pid in bundle.prompts])


@pytest.mark.parametrize("lang", list(LANGUAGE_KEY))
def test_after_a_voice_message_the_caller_is_thanked_once(phone, clock, bundle, lang):
    clock.set("2026-11-24 19:00")  # closed: a callback is offered
    caller = phone()
    caller.call()
    for key in (LANGUAGE_KEY[lang], "1", "4", "1", "3", "2", "1"):  # integration centre, this number, any time,
        caller.press(key)                                           # no SMS, a message
    assert caller.last.record is not None
    turn = caller.leave_message()
    heard = _heard(turn, bundle, lang)
    assert turn.hung_up
    assert bundle.prompts["recorded"][lang] in heard  # the message is acknowledged...
    assert len(re.findall(THANKS[lang], heard, re.IGNORECASE)) == 1, heard  # ...and the thanks said once

