"""`ivr flows check` and the SMS texts: each text's segments per language reported, more than two refused at the
text's line, a language of the config without texts refused."""

from __future__ import annotations

from pathlib import Path

from ivr.flowops.check import check_with
from ivr.flowops.check import sources_for
from ivr.settings import load_config

AUDIO = Path("ivr/static/audio")


def _with_sms(text: str):
    return [s for s in sources_for("flows") if Path(s[0]).name != "sms.yaml"] + [("flows/sms.yaml", text)]


def test_every_languages_segments_are_reported():
    report = check_with(load_config("config.yaml"), sources_for("flows"), AUDIO)
    assert report.errors() == []
    assert set(report.sms_segments) == set(load_config("config.yaml").languages)
    assert report.sms_segments["de"]["confirm"]["encoding"] == "GSM-7"
    assert {report.sms_segments[lang]["confirm"]["encoding"] for lang in ("ar", "fa", "uk", "ru")} == {"UCS-2"}
    assert max(info["segments"] for kinds in report.sms_segments.values() for info in kinds.values()) == 2


def test_a_text_of_three_segments_is_refused_at_its_line():
    text = Path("flows/sms.yaml").read_text()
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.strip().startswith("confirm:") and
                "وصل" in row)
    longer = text.replace("للإلغاء أرسل 0", "للإلغاء أرسل 0 " + "ش" * 50)
    report = check_with(load_config("config.yaml"), _with_sms(longer), AUDIO)
    [problem] = report.errors()
    assert (problem.file, problem.line) == ("flows/sms.yaml", line)
    assert problem.message.startswith("texts.ar.confirm: 3 SMS segments (UCS-2, ")
    assert report.bundle is None  # not published


def test_a_language_without_texts_is_refused():
    text = Path("flows/sms.yaml").read_text()
    start = text.index("  kmr:\n    confirm:")
    end = text.index("weekdays:")
    report = check_with(load_config("config.yaml"), _with_sms(text[:start] + text[end:]), AUDIO)
    assert [p.message for p in report.errors()] == ["texts.kmr: no SMS texts for this language"]


def test_the_command_prints_the_segments(ivr):
    result = ivr("flows", "check")
    assert result.exit_code == 0, result.output
    assert "sms ar -> confirm 2 (UCS-2, 92 chars), unreached 1 (UCS-2, 67 chars)" in result.output
