"""The text phone drives the real app: every leaf of the shipped menu, open (transfer) and closed."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr import create_app
from ivr.cli.main import main
from ivr.engine.model import NodeType
from ivr.flowops.simulator import Simulator
from ivr.flowops.simulator import local_time
from ivr.flowops.simulator import run_script

OPEN = "2026-11-24 10:00"  # a Tuesday morning: every desk is open
TZ = "Europe/Berlin"  # config.yaml's hotline.timezone


def leaves(bundle) -> list[tuple[tuple[str, ...], str]]:
    """Every (keys after the language choice, desk) of the shipped menu tree."""
    flow = bundle.flow
    found = []

    def settle(node_id: str) -> str:
        node = flow.nodes[node_id]
        while node.type in (NodeType.SAY, NodeType.GOTO, NodeType.ANNOUNCEMENT):
            node = flow.nodes[node.next]
        return node.id

    def walk(node_id: str, keys: tuple[str, ...], seen: frozenset[str]) -> None:
        node = flow.nodes[settle(node_id)]
        if node.type in (NodeType.DESK, NodeType.CALLBACK):
            found.append((keys, node.desk))
            return
        if node.type is not NodeType.MENU or node.id in seen:
            return
        for key, target in node.options:
            walk(target.node, keys + (key,), seen | {node.id})

    language_menu = settle(flow.start)
    walk(flow.nodes[language_menu].options[0][1].node, (), frozenset({language_menu}))
    return found


@pytest.fixture(scope="module")
def shipped():
    with Simulator(create_app, local_time(OPEN, TZ)) as sim:
        yield sim.services.store.current, sim.settings


def test_the_walk_finds_every_desk_of_the_menu(shipped):
    bundle, settings = shipped
    found = leaves(bundle)
    assert len(found) == 12
    assert {desk for _, desk in found} == set(settings.desks)


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_every_leaf_reaches_its_desk_when_open(lang, shipped):
    bundle, settings = shipped
    with Simulator(create_app, local_time(OPEN, TZ), agents="info:de,ar;helpers:de,ar") as sim:
        for keys, desk in leaves(bundle):
            call = run_script(sim, list(keys), lang=lang)
            if settings.desks[desk].connect == "queue":  # a simulated person of the caller's language answers
                assert (call.ended.kind, call.ended.desk, call.ended.person) == ("answered", desk, f"sim-{desk}-{lang}")
            else:
                assert call.ended.kind == "transferred", (keys, call.ended)
                assert (call.ended.desk, call.ended.number) == (desk, settings.desks[desk].number), keys


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_every_leaf_takes_a_callback_when_its_desk_is_closed(lang, shipped):
    bundle, settings = shipped
    with Simulator(create_app, local_time(OPEN, TZ), closed=tuple(settings.desks)) as sim:
        for keys, desk in leaves(bundle):
            call = run_script(sim, list(keys) + ["1", "2"], lang=lang)  # this number, no voice message
            assert (call.ended.kind, call.ended.desk) == ("callback", desk), (keys, call.ended)
            assert call.ended.number == "+4917612345678"


def test_cli_script_prints_prompts_and_the_transfer():
    result = CliRunner().invoke(main, ["simulate", "--lang", "de", "--at", OPEN, "--script", "1 3 1"])
    assert result.exit_code == 0, result.output
    assert "[de-DE] Bitte bleiben Sie am Telefon. Wir verbinden Sie." in result.output
    assert result.output.splitlines()[-1] == "= call ends: transferred to +492027476330 (desk zebera)"


def test_cli_closed_desk_anonymous_caller_recorded_language_and_holiday():
    result = CliRunner().invoke(main, ["simulate", "--lang", "fa", "--from", "anonymous",
                                       "--at", "2026-12-24 10:00", "--script", "1 1 1 015112345678# 1 1 msg"])
    assert result.exit_code == 0, result.output
    assert "♪ fa/who_menu.wav" in result.output
    assert result.output.splitlines()[-1] == \
        "= call ends: callback task for desk auslaenderbehoerde (call back +4915112345678)"


def test_cli_script_running_out_hangs_up_and_exits_0():
    result = CliRunner().invoke(main, ["simulate", "--at", OPEN, "--desk-closed", "info", "--script", "1 0"])
    assert result.exit_code == 0, result.output
    assert "هذا" not in result.output and "⌨ press a key" in result.output
    assert result.output.splitlines()[-1] == "= call ends: caller hung up"


def test_cli_agents_answer_a_queue_desk_in_the_callers_language():
    result = CliRunner().invoke(main, ["simulate", "--at", OPEN, "--agents", "info:de,ar;helpers:de",
                                       "--script", "2 0"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  ⏳ waiting in queue info-ar" in lines
    assert "⌨ 1 to be called back (keeping your place)" in result.output
    assert ("  ☏ sim-info-ar (ar) is offered the call: «Hotline, Allgemeine Information, Arabisch, wartet seit "
            "weniger als einer Minute. Zum Annehmen die 1.»") in lines
    assert "  ✓ sim-info-ar pressed 1: the call is answered after 15 s in the queue" in lines
    assert lines[-1] == "= call ends: answered by sim-info-ar (desk info, live queue)"


def test_cli_pressing_1_in_the_queue_leads_into_the_callback_capture():
    result = CliRunner().invoke(main, ["simulate", "--lang", "de", "--at", OPEN, "--agents", "info:de",
                                       "--script", "0 1 1 2"])
    assert result.exit_code == 0, result.output
    assert "  ⇠ out of the queue after 0 s (QueueResult leave)" in result.output.splitlines()
    assert "offered the call" not in result.output
    assert result.output.splitlines()[-1] == "= call ends: callback task for desk info (call back +4917612345678)"


@pytest.mark.parametrize(("agents", "said"), [
    ("zebera:de", "'zebera' is not a queue desk; queue desks: helpers, info"),
    ("info:de,xx", "info: give languages as de,ar"),
    ("info:", "info: give languages as de,ar"),
])
def test_cli_rejects_agents_that_name_no_queue_desk_or_language(agents, said):
    result = CliRunner().invoke(main, ["simulate", "--agents", agents, "--script", ""])
    assert result.exit_code == 2 and said in result.output, result.output


def test_cli_rejects_unknown_desk():
    result = CliRunner().invoke(main, ["simulate", "--desk-closed", "nowhere", "--script", ""])
    assert result.exit_code == 2 and "unknown desk 'nowhere'" in result.output



def test_local_times_are_in_the_configured_timezone(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(Path("config.yaml").read_text().replace("timezone: Europe/Berlin", "timezone: America/New_York"))
    assert local_time(OPEN, "America/New_York") == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    with Simulator(create_app, environ={"IVR_CONFIG": str(config)}) as sim:
        assert sim.local_time(OPEN) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    with Simulator(create_app) as sim:
        assert sim.local_time(OPEN) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
