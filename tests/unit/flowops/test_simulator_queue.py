"""The text phone at a live-queue desk: simulated people, the caller's waits, the choice, leaving, hanging up."""

from __future__ import annotations

import pytest

from ivr import create_app
from ivr.flowops.simulator import HOLD_SECONDS
from ivr.flowops.simulator import Simulator
from ivr.flowops.simulator import local_time
from ivr.flowops.simulator import parse_agents
from ivr.hotline import queueing

OPEN = "2026-11-24 10:00"
TZ = "Europe/Berlin"


def _entry(sim: Simulator, call) -> queueing.Entry | None:
    with sim.services.engine.connect() as conn:
        return queueing.entry(conn, call.sid)


def _to_info(sim: Simulator, lang: str):
    """A caller who chose `lang` and asked for a person (0 in the "who" menu): the information desk."""
    call = sim.call()
    call.press(sim.language_key(lang))
    call.press("0")
    return call


def test_agents_are_one_person_per_language_or_one_speaking_several(shipped_settings):
    assert parse_agents("info:de,ar; helpers:de+en+de", shipped_settings) == (
        ("info", ("de",)), ("info", ("ar",)), ("helpers", ("de", "en")))
    assert parse_agents(None, shipped_settings) == ()


@pytest.fixture(scope="module")
def shipped_settings():
    with Simulator(create_app) as sim:
        yield sim.settings


def test_nobody_signed_in_never_queues_the_caller():
    with Simulator(create_app, local_time(OPEN, TZ), agents="helpers:de") as sim:  # nobody at info
        call = _to_info(sim, "de")
        assert not call.queued and all(t.queue is None for t in call.turns)
        assert call.last.heard[0].text == "Leider ist gerade niemand frei."
        assert _entry(sim, call) is None


def test_the_caller_hears_place_no_estimate_yet_and_the_offer_then_a_speaker_answers():
    with Simulator(create_app, local_time(OPEN, TZ), agents="info:de,ar") as sim:
        prompts = sim.services.store.current.prompts
        call = _to_info(sim, "ar")
        assert call.queued and call.turns[-2].queue == "info-ar"
        heard = [h.text for h in call.last.heard]
        assert heard[1:3] == [prompts["queue_no_estimate"]["ar"], prompts["queue_offer"]["ar"]]
        assert call.last.heard[-1].audio == "hold/music.wav"
        assert _entry(sim, call).state == queueing.WAITING
        call.press("-")
        assert not call.queued
        offered, answered = call.last.notes
        assert offered.startswith("☏ sim-info-ar (ar) is offered the call: «Hotline, Allgemeine Information, "
                                  "Arabisch, wartet seit")
        assert answered == f"✓ sim-info-ar pressed 1: the call is answered after {HOLD_SECONDS} s in the queue"
        assert call.last.waits == "end"
        ending = call.hang_up()
        assert (ending.kind, ending.desk, ending.person) == ("answered", "info", "sim-info-ar")
        entry = _entry(sim, call)
        assert (entry.result, entry.wait_seconds) == ("answered", HOLD_SECONDS)


def test_nobody_of_the_language_means_any_person_after_the_desks_fallback_time():
    with Simulator(create_app, local_time(OPEN, TZ), agents="info:de") as sim:
        fallback = sim.settings.desks["info"].language_fallback_seconds
        call = _to_info(sim, "ar")
        for _ in range(fallback // HOLD_SECONDS - 1):
            call.press("-")
            assert call.queued and not call.last.notes  # nobody speaks Arabic: nobody offered yet
        call.press("-")
        assert not call.queued
        assert call.last.notes[-1] == f"✓ sim-info-de pressed 1: the call is answered after {fallback} s in the queue"
        assert call.hang_up().person == "sim-info-de"


def test_place_and_estimate_are_repeated_about_every_45_seconds():
    with Simulator(create_app, local_time(OPEN, TZ), agents="info:de") as sim:
        call = _to_info(sim, "ar")
        said = []
        for _ in range(3):
            call.press("-")
            said.append(len(call.last.heard) > 1)  # more than the music
        assert said == [False, False, True]  # 15 and 30 s: music; 45 s: place, range, offer again


def test_pressing_1_leaves_the_queue_into_the_callback_capture_and_keeps_the_place():
    with Simulator(create_app, local_time(OPEN, TZ), agents="info:ar") as sim:
        prompts = sim.services.store.current.prompts
        call = _to_info(sim, "de")  # only an Arabic speaker: the German caller waits for the fallback
        call.press("-")
        call.press("1")
        assert not call.queued
        assert call.last.notes == [f"⇠ out of the queue after {HOLD_SECONDS} s (QueueResult leave)"]
        assert prompts["cb_offer"]["de"] not in [h.text for h in call.last.heard]  # pressing 1 needs no words
        call.press("1")  # this number
        call.press("2")  # no voice message
        ending = call.hang_up()
        assert (ending.kind, ending.desk) == ("callback", "info")
        assert _entry(sim, call).result == "callback"


def test_hanging_up_while_waiting_is_an_abandoned_wait():
    with Simulator(create_app, local_time(OPEN, TZ), agents="info:ar") as sim:
        call = _to_info(sim, "de")
        call.press("-")
        assert call.hang_up().kind == "hung_up"
        entry = _entry(sim, call)
        assert (entry.result, entry.wait_seconds) == ("abandoned", HOLD_SECONDS)


def test_each_simulation_has_its_own_people_in_the_shared_app():
    with Simulator(create_app, local_time(OPEN, TZ), agents="info:de,ar") as first:
        first.call()
        with first.services.engine.connect() as conn:
            assert queueing.signed_in(conn, "info", first.now) == 2
        with Simulator(create_app, local_time(OPEN, TZ), agents="helpers:de") as second:
            assert second.sandbox is first.sandbox
            second.call()
            with second.services.engine.connect() as conn:
                assert queueing.signed_in(conn, "info", second.now) == 0
                assert queueing.signed_in(conn, "helpers", second.now) == 1
