"""`ivr fallback export DIR`: static TwiML that answers callers while the service is down, plus a README."""

from __future__ import annotations

from click.testing import CliRunner

from ivr.cli.main import main
from tests.factories import TOKEN
from tests.support.phone import check_twiml


def test_export_writes_twiml_and_readme(tmp_path, database_url):
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "s", "DATABASE_URL": database_url,
           "IVR_INSTANCE_DIR": str(tmp_path / "instance")}
    result = CliRunner().invoke(main, ["fallback", "export", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    root = check_twiml((out / "fallback.xml").read_bytes())
    assert root.find("Dial/Number").text == "+492027476333"  # the information desk (hotline.fallback_desk)
    assert root[-1].tag == "Hangup"
    assert "Störung" in root.find("Say").text
    bare = check_twiml((out / "fallback-no-transfer.xml").read_bytes())
    assert bare.find("Dial") is None and bare[-1].tag == "Hangup"
    readme = (out / "README.md").read_text()
    assert "TwiML Bin" in readme and "Primary handler fails" in readme and "+492027476333" in readme
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "fallback-no-transfer.xml", "fallback.xml"]
    assert str(out / "fallback.xml") in result.output


def test_export_matches_the_live_fallback_webhook(tmp_path, client, phone):
    from ivr.flowops import fallback_export
    fallback_export.export(tmp_path, tmp_path, "+492027476333", "Information", "v1")
    _, live = phone().send("/voice/fallback")
    assert (tmp_path / "fallback.xml").read_bytes() == live
