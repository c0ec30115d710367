"""The SMS texts and rules (ivr.hotline.sms): segments by encoding, the shipped texts within two segments in every
language, the day and window in the caller's language, whom we may text, what a reply means, states forward only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from datetime import timedelta

import pytest

from ivr.hotline import callbacks
from ivr.hotline import sms
from ivr.settings import ROOT
from tests.support.clock import berlin

LANGUAGES = ("de", "ar", "uk", "tr", "fa", "kmr", "en", "ru")
NOW = berlin("2026-11-28 15:30")


@pytest.fixture(scope="module")
def texts():
    return sms.load(ROOT / "flows")


@pytest.mark.parametrize(("text", "encoding", "count"), [
    ("a" * 160, "GSM-7", 1), ("a" * 161, "GSM-7", 2), ("ä" * 306, "GSM-7", 2), ("a" * 307, "GSM-7", 3),
    ("€" * 80, "GSM-7", 1), ("€" * 81, "GSM-7", 2),  # an extension character takes two septets
    ("ش" * 70, "UCS-2", 1), ("ش" * 71, "UCS-2", 2), ("ш" * 134, "UCS-2", 2), ("ш" * 135, "UCS-2", 3),
    ("a" * 69 + "ı", "UCS-2", 1), ("😀" * 35, "UCS-2", 1), ("😀" * 36, "UCS-2", 2),  # a surrogate pair: two units
])
def test_segments_by_encoding(text, encoding, count):
    assert (sms.encoding(text), sms.segments(text)) == (encoding, count)


def test_shipped_texts_take_at_most_two_segments_in_every_language(texts):
    problems, report = sms.check(texts, LANGUAGES)
    assert problems == []
    assert set(report) == set(LANGUAGES) and all(set(kinds) == set(sms.KINDS) for kinds in report.values())
    assert report["de"]["confirm"]["encoding"] == "GSM-7"
    for lang in ("ar", "fa", "uk", "ru"):
        assert report[lang]["confirm"] == {**report[lang]["confirm"], "encoding": "UCS-2", "segments": 2}


def test_a_text_over_two_segments_is_refused(texts):
    long_ar = {**texts.texts["ar"], "confirm": texts.texts["ar"]["confirm"] + " " + "ش" * 60}
    problems, report = sms.check(replace(texts, texts={**texts.texts, "ar": long_ar}), ["ar", "xx"])
    assert [p.message for p in problems] == [
        "texts.ar.confirm: 3 SMS segments (UCS-2, 153 characters); at most 2",
        "texts.xx: no SMS texts for this language"]
    assert report["ar"]["confirm"]["segments"] == 3


def test_the_promised_day_and_window_in_the_callers_language(texts):
    wednesday = date(2026, 12, 2)
    assert sms.render(texts, "confirm", "de", wednesday, "afternoon", "R-4821") == (
        "Ihr Rückrufwunsch ist angekommen. Wir rufen Sie bis Mittwoch, 2.12. (nachmittags) zurück. "
        "Ihre Nummer: R-4821. Absagen: Antwort 0 oder NEIN.")
    assert "حتى الأربعاء 2.12. صباحاً" in sms.render(texts, "confirm", "ar", wednesday, "morning", "R-4821")
    assert "تا چهارشنبه 2.12. با شما" in sms.render(texts, "confirm", "fa", wednesday, "any", "R-4821")
    assert "до 2.12. (середа)." in sms.render(texts, "confirm", "uk", wednesday, "thursday_evening", "R-4821")
    assert sms.render(texts, "neutral", "so") == sms.render(texts, "neutral", "de")  # no Somali texts: German


@pytest.mark.parametrize(("phone", "reason"), [
    ("+4915112345678", None), ("+4917612345678", None), ("+436641234567", None),  # mobiles in DE and AT
    ("+4920274763333", "not_mobile"), ("+4990012345678", "premium"), ("+4918012345678", "premium"),
    ("+12025550143", "country"), ("+79161234567", "country"), ("anonymous", "invalid"),
])
def test_whom_we_may_text(phone, reason):
    allowed = ["DE", "AT"]
    assert sms.refusal(phone, allowed) == reason


@pytest.mark.parametrize("body", ["NEIN", "Stop!", " cancel ", "0", "٠", "۰", "إلغاء", "الغاء.", "لغو", "СКАСУВАТИ",
                                  "скасувати", "Ні", "отмена", "İPTAL", "iptal", "Betal", "no"])
def test_cancel_words_of_every_language(texts, body):
    assert sms.is_cancel(texts, body)


@pytest.mark.parametrize("body", ["Nein danke, ich rufe an", "00", "10", "Bitte morgen anrufen", "", "stopover"])
def test_other_replies_do_not_cancel(texts, body):
    assert not sms.is_cancel(texts, body)


def test_a_reply_is_cut_and_control_characters_dropped():
    assert sms.clean("Hallo\x00\x07 Welt\x1b[31m\u0085!\n") == "Hallo Welt[31m!"
    assert len(sms.clean("x" * 5000)) == sms.MAX_BODY


def test_states_only_move_forward_and_land_on_the_tasks_history(engine):
    with engine.begin() as conn:
        task_id, _ = callbacks.create(conn, "info", "+4915112345678", "ar", "CA" + "1" * 32, NOW,
                                      NOW + timedelta(days=1))
        sms_id = sms.reserve(conn, f"confirm:{task_id}", task_id, "confirm", "+4915112345678", "ar", NOW)
        assert sms.reserve(conn, f"confirm:{task_id}", task_id, "confirm", "+4915112345678", "ar", NOW) is None
        assert sms.claim(conn, sms_id, "text", NOW) and not sms.claim(conn, sms_id, "text", NOW)
        assert sms.note_state(conn, sms_id, "queued", NOW, message_sid="SM" + "a" * 32)
        for status in ("sent", "delivered", "sent", "undelivered", "queued"):
            sms.on_status(conn, "SM" + "a" * 32, status, NOW)
        assert not sms.on_status(conn, "SM" + "b" * 32, "failed", NOW)
        assert sms.last_state(conn, task_id) == "delivered"
        steps = [s["outcome"] for s in callbacks.history(conn, task_id)]
    assert steps == ["confirm:queued", "confirm:sent", "confirm:delivered"]


def test_the_daily_limit_refuses_the_next_sms(engine):
    phone = "+4915112345678"
    with engine.begin() as conn:
        for n in range(3):
            assert sms.reserve(conn, f"neutral:{n}", None, "neutral", phone, "de", NOW, daily_limit=3)
        refused = sms.reserve(conn, "neutral:3", None, "neutral", phone, "de", NOW, daily_limit=3)
        assert sms.get(conn, refused)["status"] == "refused"
        later = sms.reserve(conn, "neutral:4", None, "neutral", phone, "de", NOW + timedelta(days=1, seconds=1),
                            daily_limit=3)
        assert sms.get(conn, later)["status"] == "pending"
