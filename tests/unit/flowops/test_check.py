"""The operator's check: the runtime's findings, missing audio as an error, the manifest's review status."""

from __future__ import annotations

from pathlib import Path

from ivr.flowops.check import check
from ivr.flowops.check import check_with
from ivr.flowops.check import sources_for
from ivr.settings import load_config

AUDIO = Path("ivr/static/audio")
MANIFEST = """\
spec_version: 1
kind: audio-manifest
languages:
  de: {text: reviewed}
  fa: {text: machine-drafted}
files:
  fa/goodbye.wav: {language: fa, status: placeholder}
  fa/nothing.wav: {language: fa, status: recorded}
"""


def _without_manifest():
    return [s for s in sources_for("flows") if Path(s[0]).name != "audio-manifest.yaml"]


def test_the_shipped_files_pass_with_only_review_warnings():
    report = check("config.yaml", sources_for("flows"), AUDIO)
    assert report.bundle is not None and report.errors() == []
    assert report.problems and {p.severity for p in report.problems} == {"warning"}
    assert report.errors(strict=True) == list(report.problems)


def test_the_manifest_names_unreviewed_texts_placeholders_and_files_that_are_gone():
    report = check_with(load_config("config.yaml"), _without_manifest() + [("flows/audio.yaml", MANIFEST)], AUDIO)
    found = {(p.line, p.severity, p.message) for p in report.problems}
    assert (5, "warning", "language 'fa': prompt texts are machine-drafted and await review by a native "
            "speaker") in found
    assert (7, "warning", "language 'fa': 1 audio files are machine-made placeholders awaiting a human "
            "recording") in found
    assert (8, "error", "audio file fa/nothing.wav is listed but missing") in found
    assert report.bundle is None  # an error blocks publishing


def test_missing_audio_is_an_error_here_though_the_runtime_only_warns(tmp_path):
    import shutil

    audio = tmp_path / "audio"
    shutil.copytree(AUDIO, audio)
    (audio / "fa" / "goodbye.wav").unlink()
    report = check("config.yaml", _without_manifest(), audio)
    assert report.bundle is None
    assert any("missing audio fa/goodbye.wav" in p.message and p.severity == "error" for p in report.problems)


def test_an_invalid_config_is_reported_without_checking_flows(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(Path("config.yaml").read_text().replace("spec_version: 1", "spec_version: 7", 1))
    report = check(config, sources_for("flows"), AUDIO)
    assert report.bundle is None and report.config is None
    assert all(p.file == str(config) for p in report.problems) and report.problems


def test_named_files_come_first_with_the_rest_of_their_set():
    named = sources_for("flows", ["flows/prompts.yaml"])
    assert Path(named[0][0]).name == "prompts.yaml"
    assert sorted(Path(n).name for n, _ in named) == sorted(Path(n).name for n, _ in sources_for("flows"))
