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


def test_a_menus_view_shows_where_its_keys_lead():
    from ivr.cli.flows import _current
    from ivr.flowops import graph

    bundle, config = _current()
    assert graph.menus(bundle) == ["language", "who", "topic", "status", "jobcenter"]
    boxes, arrows = graph.view(*graph.layout(bundle, config), "who", first=False)
    kinds = {box.id: box.kind for box in boxes}
    assert kinds["who"] == "menu" and kinds["topic"] == "link" and kinds["desk_info"] == "desk"
    assert kinds["desk_info__closed"] == "closed" and "call" not in kinds and "language" not in kinds
    assert {(a.source, a.target, a.label) for a in arrows} >= {("who", "topic", "1"),
                                                               ("desk_info", "desk_info__closed", "closed / busy")}
    assert not [a for a in arrows if a.source == "topic"]  # another menu's keys belong to its own view
    first, _ = graph.view(*graph.layout(bundle, config), "language", first=True)
    assert [b.id for b in first][:3] == ["call", "greeting", "language"]
    assert next(b for b in first if b.id == "who").label == "on to: who (menu)"
