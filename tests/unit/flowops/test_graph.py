"""`ivr flows graph`: the whole hotline on one page, as Mermaid text and as SVG drawn by Graphviz."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from click.testing import CliRunner

from ivr.cli.main import main
from ivr.settings import load_config


def _graph(*args: str):
    result = CliRunner().invoke(main, ["flows", "graph", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_mermaid_shows_keys_desks_open_and_closed_branches():
    text = _graph("--format", "mermaid")
    assert text.startswith("flowchart LR\n")
    assert "  who -->|1| topic" in text
    assert "  status -->|3, 0| desk_info" in text
    assert "  language -->|1–8| privacy" in text
    assert "  who -.->|no / wrong keys| desk_info" in text
    for desk_id, desk in load_config("config.yaml").desks.items():
        assert f'desk_{desk_id}__open(["connect {desk.number}"])' in text
        assert f"desk_{desk_id} -->|closed / busy| desk_{desk_id}__closed" in text
    assert 'desk_info__closed[/"callback task<br/>due within 8 service hours"/]' in text


def test_svg_is_one_drawing_with_every_desk(tmp_path):
    out = tmp_path / "hotline.svg"
    _graph("-o", str(out))
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    for name in ("Ausländerbehörde", "Allgemeine Information", "connect +492027476330", "callback task"):
        assert name in texts
