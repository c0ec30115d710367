"""Path rules: a hangup says goodbye, a stuck caller reaches a person, no loop without a way out."""

from __future__ import annotations

import textwrap

from ivr.core.yamldoc import parse
from ivr.engine import schema
from ivr.engine.paths import check_paths

GOOD = textwrap.dedent("""\
    spec_version: 1
    kind: flow
    id: hotline
    start: who
    languages: [de]
    nodes:
      who:
        type: menu
        say: [who_menu]
        options:
          "1": more
          "0": desk
        on_failure: desk
      more:
        type: menu
        say: [who_menu]
        options:
          "1": who
          "2": bye
          "0": desk
        on_failure: desk
      desk:
        type: desk
        desk: info
      bye:
        type: hangup
        say: [goodbye]
""")


def _problems(text: str) -> list[str]:
    doc = parse(text, "flows/test.yaml")
    return [str(p) for p in check_paths(doc, schema.FlowFile.model_validate(doc.data))]


def test_a_flow_with_ways_out_has_no_findings():
    assert _problems(GOOD) == []


def test_a_hangup_without_goodbye_is_a_dead_end_at_its_line():
    assert _problems(GOOD.replace("say: [goodbye]", "say: [who_menu]")) == [
        "flows/test.yaml:27: node 'bye': dead end, the call ends without a goodbye (a hangup node must say the "
        "prompt 'goodbye')"]


def test_a_stuck_caller_who_is_hung_up_or_sent_round_is_found():
    hung_up = _problems(GOOD.replace("    on_failure: desk\n  more:", "    on_failure: bye\n  more:"))
    assert any("node 'who': a caller who presses no or wrong keys is hung up at 'bye'" in p for p in hung_up)
    circle = _problems(GOOD.replace("    on_failure: desk\n  more:", "    on_failure: more\n  more:")
                       .replace("    on_failure: desk\n  desk:", "    on_failure: who\n  desk:"))
    assert any("goes round in circles (who -> more -> who)" in p for p in circle), circle


def test_menus_that_only_lead_to_each_other_are_a_loop_without_a_way_out():
    text = GOOD.replace('      "2": bye\n', "").replace('      "0": desk\n', "")
    found = _problems(text)
    assert any("nodes who, more form a loop a caller cannot leave" in p for p in found), found
