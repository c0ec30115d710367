"""YAML documents with the line of every key, for `file:line` messages; duplicate keys and bad syntax refused."""

from __future__ import annotations

import textwrap

import pytest

from ivr.core.yamldoc import Document
from ivr.core.yamldoc import YamlSyntaxError
from ivr.core.yamldoc import finding
from ivr.core.yamldoc import load
from ivr.core.yamldoc import parse

TEXT = textwrap.dedent("""\
    version: 1
    nodes:
      start:
        say: {de: Hallo}
        options:
          - key: "1"
            go: menu
    """)


def test_every_key_and_item_has_its_line_and_a_missing_path_its_nearest_parents():
    doc = parse(TEXT, "flows/main.yaml")
    assert doc.data["nodes"]["start"]["options"][0]["go"] == "menu"
    assert doc.line(("version",)) == 1
    assert doc.line(("nodes", "start", "say")) == 4
    assert doc.line(("nodes", "start", "options", 0, "go")) == 7
    assert doc.line(("nodes", "start", "nothing", "deeper")) == 3
    assert doc.line(("elsewhere",)) == 1
    problem = doc.problem(("nodes", "start", "options", 0), "unknown key", "warning")
    assert str(problem) == "flows/main.yaml:6: warning: unknown key"


def test_a_duplicate_key_is_refused_with_its_line_but_a_merge_key_is_not():
    with pytest.raises(YamlSyntaxError) as refused:
        parse("a: 1\nb: 2\na: 3\n", "config.yaml")
    assert refused.value.problem.line == 3 and "duplicate key 'a'" in str(refused.value)
    merged = parse("base: &b {x: 1}\ndesk:\n  <<: *b\n  y: 2\n", "config.yaml")
    assert merged.data["desk"] == {"x": 1, "y": 2}


def test_bad_syntax_names_the_line_and_an_empty_file_is_no_data():
    with pytest.raises(YamlSyntaxError) as refused:
        parse("a: 1\nb: [2, 3\nc: 4\n", "config.yaml")
    assert refused.value.problem.file == "config.yaml" and refused.value.problem.line >= 2
    assert "invalid YAML" in refused.value.problem.message
    empty = parse("", "empty.yaml")
    assert (empty.data, empty.line(("x",))) == (None, 1)


def test_load_reads_a_file(tmp_path):
    path = tmp_path / "flow.yaml"
    path.write_text(TEXT, encoding="utf-8")
    doc = load(path)
    assert isinstance(doc, Document) and doc.file == str(path) and doc.line(("nodes",)) == 2


def test_findings_read_well_for_people_editing_the_file():
    assert finding({"type": "extra_forbidden", "msg": "Extra inputs are not permitted"}).startswith("unknown key")
    assert finding({"type": "value_error", "msg": "Value error, must be HH:MM-HH:MM"}) == "must be HH:MM-HH:MM"
