"""The compiled model: node lookups, states that travel in URLs, names that compare equal to plain strings."""

from __future__ import annotations

import pytest

from ivr.engine.model import Node
from ivr.engine.model import NodeType
from ivr.engine.model import Outcome
from ivr.engine.model import State
from ivr.engine.model import Target


def test_a_menu_node_finds_the_target_of_a_key():
    node = Node("who", NodeType.MENU, 7, options=(("1", Target("desk")), ("2", Target("more", "ar"))))
    assert node.option("2") == Target("more", "ar")
    assert node.option("9") is None


def test_moving_on_resets_the_counters_of_the_node_left_behind():
    state = State("who", "de", "v1", "hotline", retries=2, sub="entry", entries=1, number="+49176", path=("a",))
    moved = state.at("desk")
    assert (moved.node, moved.retries, moved.sub, moved.entries, moved.number) == ("desk", 0, "", 0, None)
    assert (moved.lang, moved.version, moved.path) == ("de", "v1", ("a",))
    assert state.but(retries=1).retries == 1 and state.but(retries=1).node == "who"


def test_states_are_immutable():
    with pytest.raises(AttributeError):
        State("who", "de", "v1").node = "desk"  # type: ignore[misc]


def test_names_compare_equal_to_the_strings_in_files_and_events():
    assert NodeType("menu") is NodeType.MENU and NodeType.MENU == "menu"
    assert Outcome.TRANSFERRED == "transferred"
