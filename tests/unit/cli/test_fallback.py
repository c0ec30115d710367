"""`ivr fallback export DIR`: the static fallback files for the configured fallback desk, paths printed."""

from __future__ import annotations

from xml.etree import ElementTree


def test_export_writes_the_fallback_desks_twiml(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("fallback", "export", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(result.output.splitlines()) == sorted(str(p) for p in out.rglob("*") if p.is_file())
    root = ElementTree.fromstring((out / "fallback.xml").read_bytes())
    assert root.find("Dial/Number").text == "+492027476333"  # config.yaml: hotline.fallback_desk is info
