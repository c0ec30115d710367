"""`ivr flows check` and `ivr flows schema`: each rule has a failing fixture with file:line: message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivr.cli.flows import schema_text
from ivr.cli.main import main

FIX = "tests/unit/engine/fixtures"


def _check(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["flows", "check", *args], env=env)


def test_shipped_flows_pass_with_zero_errors():
    result = _check()
    assert result.exit_code == 0, result.output
    assert not [line for line in result.output.splitlines() if ": " in line and "warning:" not in line
                and not line.startswith("ok:")]
    assert result.output.splitlines()[-1].startswith("ok: flows version ")


@pytest.mark.parametrize(("fixture", "expected"), [
    ("dead_end", ["dead_end.yaml:15: node 'bye': dead end, the call ends without a goodbye (a hangup node "
                  "must say the prompt 'goodbye')"]),
    ("stuck_caller", ["stuck_caller.yaml:12: node 'ask': a caller who presses no or wrong keys is hung up "
                      "at 'bye' instead of reaching a desk or a callback"]),
    ("closed_loop", ["closed_loop.yaml:8: nodes first, second form a loop a caller cannot leave: no key "
                     "leads out to a desk, a callback or a goodbye"]),
    ("menu_rules", ["menu_rules.yaml:11: node 'crowded': options.0 leads to unknown node 'nowhere'",
                    "menu_rules.yaml:11: node 'crowded': more than 5 options besides 0, * and 9",
                    "menu_rules.yaml:19: node 'lonely': menu has no 0 (a person)",
                    "menu_rules.yaml:23: node 'elsewhere': unknown desk 'nobody'",
                    "menu_rules.yaml:16: node 'lonely' is unreachable from 'crowded'"]),
    ("spin", ["spin.yaml:8: node 'one' loops without waiting for the caller: one -> two -> one"]),
    ("prompts_missing", ["prompts_missing.yaml:10: prompt 'greeting' has no text in language 'ar'",
                         "prompts_missing.yaml:10: unknown prompt 'welcome_back'"]),
    ("schema_error", ["schema_error.yaml:8: nodes.ask.on_failure: Field required",
                      "schema_error.yaml:13: nodes.person.type: Input tag 'transfer' found using 'type' "
                      "does not match any of the expected tags"]),
])
def test_each_rule_reports_file_line_message_and_fails(fixture, expected):
    result = _check(f"{FIX}/{fixture}.yaml")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for message in expected:
        assert any(line.startswith(f"{FIX}/{message}") for line in lines), (message, result.output)


def test_desk_without_hours_is_an_error(tmp_path):
    config = Path("config.yaml").read_text(encoding="utf-8")
    start = config.index("  info:\n")
    config = config[:start] + config[start:].replace("    hours: *hours\n", "    hours: {}\n", 1)
    path = tmp_path / "config.yaml"
    path.write_text(config, encoding="utf-8")
    line = config.splitlines().index("    hours: {}") + 1
    result = _check(env={"IVR_CONFIG": str(path)})
    assert result.exit_code == 1
    assert f"{path}:{line}: desks.info: desk has no office hours" in result.output.splitlines()


def test_placeholder_audio_and_drafts_warn_but_fail_only_when_strict():
    result = _check()
    assert result.exit_code == 0
    lines = result.output.splitlines()
    line = Path("flows/audio-manifest.yaml").read_text(encoding="utf-8").splitlines().index(
        "  fa: {text: machine-drafted, note: awaiting review by a native speaker}") + 1
    assert (f"flows/audio-manifest.yaml:{line}: warning: language 'fa': prompt texts are machine-drafted and "
            "await review by a native speaker") in lines
    assert any("warning: language 'kmr': " in line and "placeholders" in line for line in lines)
    strict = _check("--strict")
    assert strict.exit_code == 1
    assert "error(s)" in strict.output


def test_missing_audio_file_is_an_error_in_check_but_a_warning_at_load(tmp_path):
    from ivr.flowops.check import check
    from ivr.flowops.check import sources_for
    from ivr.flowops.source import compile_sources
    from ivr.settings import load_config

    audio = tmp_path / "audio"
    shutil.copytree("ivr/static/audio", audio)
    (audio / "fa" / "who_menu.wav").unlink()
    sources = sources_for("flows")
    report = check("config.yaml", sources, audio)
    messages = [str(p) for p in report.errors()]
    assert ("flows/hotline.yaml:9: language 'fa': missing audio fa/who_menu.wav; left out of the "
            "language menu") in messages
    assert any(m.endswith(": audio file fa/who_menu.wav is listed but missing") for m in messages)
    assert report.bundle is None
    bundle, problems = compile_sources(sources, load_config("config.yaml"), audio)
    assert bundle is not None and "fa" not in bundle.available  # the service keeps running without Farsi


def test_committed_schema_equals_the_generated_one(tmp_path):
    assert Path("flows/flow.schema.json").read_text(encoding="utf-8") == schema_text()
    out = tmp_path / "schema.json"
    result = CliRunner().invoke(main, ["flows", "schema", "-o", str(out)])
    assert result.exit_code == 0
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Hotline flow") and "nodes" in schema["properties"]


def test_publish_and_history_need_no_secrets_and_show_the_configured_timezone(cli, engine, tmp_path):
    from ivr.flowops import versions as flowversions

    no_secrets = {"TWILIO_AUTH_TOKEN": None, "SECRET_KEY": None}
    published = cli("flows", "publish", "--by", "carla", **no_secrets)
    assert published.exit_code == 0, published.output
    [row] = flowversions.history(engine, 5)
    assert published.output.endswith(f"published flows version {row.id}; web processes switch within seconds\n")
    config = tmp_path / "config.yaml"
    config.write_text(Path("config.yaml").read_text(encoding="utf-8")
                      .replace("timezone: Europe/Berlin", "timezone: America/New_York"), encoding="utf-8")
    history = cli("flows", "history", IVR_CONFIG=str(config), **no_secrets)
    assert history.exit_code == 0, history.output
    local = row.created_at.astimezone(ZoneInfo("America/New_York"))
    assert history.output.startswith(f"* {row.id}  published {local:%Y-%m-%d %H:%M} by carla, last activated ")
