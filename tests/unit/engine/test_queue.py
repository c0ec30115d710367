"""A queue desk in the step function: into the queue, the no-one path, the fallback to the number, and every way
out of Twilio's queue (the `<Enqueue>` action); what a waiting caller hears. Pure: a fake context, no I/O."""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC
from datetime import datetime

import pytest
import yaml

from ivr.engine import prompts
from ivr.engine import runtime
from ivr.engine import waiting
from ivr.engine.hours import DeskStatus
from ivr.engine.model import CallbackRequested
from ivr.engine.model import Context
from ivr.engine.model import Dial
from ivr.engine.model import Enqueue
from ivr.engine.model import Event
from ivr.engine.model import Gather
from ivr.engine.model import Hangup
from ivr.engine.model import NumberCheck
from ivr.engine.model import Outcome
from ivr.engine.model import Play
from ivr.engine.model import Queued
from ivr.engine.model import QueueLine
from ivr.engine.model import Reached
from ivr.engine.model import Say
from ivr.engine.model import Speak
from ivr.engine.model import State
from ivr.engine.model import queue_name
from ivr.hotline import queueing
from ivr.settings import ROOT

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CALLER = "+4917612345678"


def _ctx(line: QueueLine | None = QueueLine.QUEUE, open_: bool = True, asked: list | None = None) -> Context:
    status = DeskStatus(True, "open", NOW) if open_ else DeskStatus(False, "hours", datetime(2026, 11, 25, 7, 0,
                                                                                              tzinfo=UTC))

    def line_of(desk: str) -> QueueLine:
        if asked is not None:
            asked.append(desk)
        return line  # type: ignore[return-value]

    ctx = Context(now=NOW, caller=CALLER, desk_status=lambda desk: status,
                  check_number=lambda raw: NumberCheck(True, CALLER) if raw else NumberCheck(False),
                  has_open_callback=lambda desk, phone: False)
    if line is not None:
        ctx.queue_line = line_of
    return ctx


def _texts(step) -> list[str]:
    items = [i for a in step.actions if isinstance(a, Speak | Gather) for i in a.items]
    return [i.text if isinstance(i, Say) else i.url for i in items]


def _at_desk(bundle, node: str = "desk_info", lang: str = "de", **changes) -> State:
    return State(node, lang, bundle.version, "hotline", **changes)


def test_the_shipped_config_puts_info_and_helpers_on_a_queue(shipped):
    assert {desk for desk in shipped.desk_numbers if shipped.queues(desk)} == {"info", "helpers"}


def test_a_caller_at_an_open_queue_desk_with_people_signed_in_is_enqueued(shipped):
    step = runtime.step(shipped, _at_desk(shipped, "who", "ar"), Event(digits="0"), _ctx())
    assert step.actions == (Enqueue("info-ar", step.actions[-1].state),)
    state = step.actions[-1].state
    assert (state.node, state.sub, state.lang) == ("desk_info", "queued", "ar")
    assert Queued("info", "ar") in step.effects
    assert "desk_info" in state.path  # the path travels on in the action URL like every other state


def test_a_queue_name_is_the_desk_and_the_language_as_the_person_side_names_it():
    assert queue_name("info", "ar") == queueing.queue_name("info", "ar") == "info-ar"
    assert queue_name("x" * 80, "de") == queueing.queue_name("x" * 80, "de") and len(queue_name("x" * 80, "de")) == 64


def test_nobody_signed_in_takes_the_no_one_path_at_once(shipped):
    step = runtime.step(shipped, _at_desk(shipped, "who"), Event(digits="0"), _ctx(QueueLine.NOBODY))
    assert not any(isinstance(a, Enqueue | Dial) for a in step.actions)
    assert not any(isinstance(e, Queued) for e in step.effects)
    texts = _texts(step)
    assert texts[:2] == ["Leider ist gerade niemand frei.", "Wir können Sie zurückrufen."]
    assert step.actions[-1].state.sub == "choice"  # the number choice comes first, as at a closed desk


def test_without_presence_the_desk_number_is_dialled(shipped):
    step = runtime.step(shipped, _at_desk(shipped, "who"), Event(digits="0"), _ctx(QueueLine.UNAVAILABLE))
    assert isinstance(step.actions[-1], Dial) and step.actions[-1].number == shipped.desk_numbers["info"]
    assert not any(isinstance(e, Queued) for e in step.effects)


def test_a_context_that_knows_nothing_of_queues_dials_as_before(shipped):
    step = runtime.step(shipped, _at_desk(shipped, "who"), Event(digits="0"), _ctx(None))
    assert isinstance(step.actions[-1], Dial)


def test_a_closed_queue_desk_asks_nothing_of_presence(shipped):
    asked: list = []
    step = runtime.step(shipped, _at_desk(shipped, "who"), Event(digits="0"), _ctx(open_=False, asked=asked))
    assert asked == [] and step.actions[-1].state.sub == "choice"
    assert "Diese Stelle ist gerade nicht erreichbar." in _texts(step)


def test_a_dialled_desk_asks_nothing_of_presence(shipped):
    asked: list = []
    step = runtime.step(shipped, _at_desk(shipped, "desk_zebera"), Event(), _ctx(asked=asked))
    assert asked == [] and isinstance(step.actions[-1], Dial)


def test_bridged_is_answered_and_ends(shipped):
    step = runtime.step(shipped, _at_desk(shipped, sub="queued"), Event(queue_result="bridged"), _ctx())
    assert step.effects == (Reached("info", Outcome.ANSWERED),) and step.actions == (Hangup(),)


def test_hanging_up_while_waiting_is_abandoned(shipped):
    step = runtime.step(shipped, _at_desk(shipped, sub="queued"), Event(queue_result="hangup"), _ctx())
    assert step.effects == (Reached("info", Outcome.ABANDONED),) and step.actions == (Hangup(),)


def test_pressing_1_leads_straight_into_the_number_choice(shipped):
    step = runtime.step(shipped, _at_desk(shipped, sub="queued"),
                        Event(queue_result="leave", leave_reason="caller"), _ctx())
    choice = [i.text for i in prompts.speak(shipped, "cb_choice", "de", {"digits": "017612345678"})]
    assert _texts(step) == choice and len(step.actions) == 1  # no words before the number choice
    assert step.actions[-1].state.sub == "choice"
    after = runtime.step(shipped, step.actions[-1].state, Event(digits="1"), _ctx())
    assert CallbackRequested("info", CALLER, "de") in after.effects
    assert Reached("info", Outcome.CALLBACK_REQUESTED) in after.effects
    assert after.actions[-1].state.sub == "window"


@pytest.mark.parametrize(("reason", "said"), [
    ("timeout", "Sie warten schon lange. Leider ist noch niemand frei."),
    ("closed", "Diese Stelle hat jetzt geschlossen."),
    ("nobody", "Leider ist jetzt niemand mehr erreichbar."),
])
def test_a_caller_asked_to_leave_is_told_why_then_offered_the_callback(shipped, reason, said):
    step = runtime.step(shipped, _at_desk(shipped, sub="queued"), Event(queue_result="leave", leave_reason=reason),
                        _ctx())
    assert _texts(step)[:2] == [said, "Wir können Sie zurückrufen."]
    assert step.actions[-1].state.sub == "choice"
    assert not any(isinstance(e, Reached) and e.outcome is not None for e in step.effects)


@pytest.mark.parametrize("event", [
    Event(queue_result="queue-full"), Event(queue_result="system-error"), Event(queue_result="error"),
    Event(queue_result="something-new"), Event(queue_result=None), Event(queue_result="leave"),
    Event(queue_result="leave", leave_reason="error"), Event(queue_result="leave", leave_reason="unheard-of"),
])
def test_anything_else_is_the_error_path_into_the_callback_capture(shipped, event):
    step = runtime.step(shipped, _at_desk(shipped, sub="queued"), event, _ctx())
    assert _texts(step)[:2] == ["Leider ist gerade niemand frei.", "Wir können Sie zurückrufen."]
    assert step.actions[-1].state.sub == "choice"


def test_the_helpers_desk_queues_too_and_leaves_into_its_own_capture(shipped):
    step = runtime.step(shipped, _at_desk(shipped, "desk_helpers", sub="queued"),
                        Event(queue_result="leave", leave_reason="caller"), _ctx())
    after = runtime.step(shipped, step.actions[-1].state, Event(digits="1"), _ctx())
    assert CallbackRequested("helpers", CALLER, "de") in after.effects


def test_a_recorded_language_leaving_plays_its_clips(shipped):
    step = runtime.step(shipped, _at_desk(shipped, lang="fa", sub="queued"),
                        Event(queue_result="leave", leave_reason="timeout"), _ctx())
    assert _texts(step)[0] == "/static/audio/fa/queue_left_timeout.wav"


# --- what a waiting caller hears ----------------------------------------------------------------


def test_the_announcement_names_the_place_the_range_and_the_offer(shipped):
    items = waiting.announcement(shipped, "de", 3, ("about", 10))
    assert [i.text for i in items] == ["Sie sind auf Platz 3 in der Warteschlange.",
                                       "Sie warten voraussichtlich etwa 10 Minuten.",
                                       "Sie möchten nicht warten? Dann drücken Sie die 1. Wir rufen Sie zurück. "
                                       "Ihren Platz in der Warteschlange behalten Sie."]
    assert {i.voice for i in items} == {"Polly.Vicki-Neural"}


@pytest.mark.parametrize(("wait", "said"), [
    (("under", 5), "Sie warten voraussichtlich weniger als 5 Minuten."),
    (("over", 15), "Sie warten voraussichtlich mehr als 15 Minuten."),
    (None, "Wie lange Sie warten müssen, können wir gerade nicht sagen."),
])
def test_each_range_and_no_estimate(shipped, wait, said):
    assert waiting.announcement(shipped, "de", 1, wait)[1].text == said


def test_an_unknown_place_is_left_out(shipped):
    items = waiting.announcement(shipped, "en", None, None)
    assert [i.text for i in items][0] == "We cannot say right now how long you will have to wait."


def test_a_recorded_language_hears_clips_around_the_numbers(shipped):
    items = waiting.announcement(shipped, "kmr", 3, ("under", 5))
    assert [i.url for i in items] == ["/static/audio/kmr/queue_position.0.wav", "/static/audio/kmr/number_3.wav",
                                      "/static/audio/kmr/queue_wait_under.0.wav", "/static/audio/kmr/number_5.wav",
                                      "/static/audio/kmr/queue_wait_under.1.wav", "/static/audio/kmr/queue_offer.wav"]
    assert all(i.url.removeprefix("/static/audio/") in shipped.audio_files for i in items)


def test_every_language_has_every_queue_prompt(shipped):
    for lang in shipped.available:
        for place, wait in ((7, ("about", 10)), (120, None)):
            assert waiting.announcement(shipped, lang, place, wait)


def test_the_hold_music_is_one_clip_of_about_15_seconds():
    (music,) = waiting.hold()
    assert isinstance(music, Play) and music.url == "/static/audio/hold/music.wav"


def test_the_hold_music_is_listed_with_its_licence_and_is_what_the_manifest_says():
    manifest = yaml.safe_load((ROOT / "flows" / "audio-manifest.yaml").read_text())
    entry = manifest["music"]["hold/music.wav"]
    data = (ROOT / "ivr" / "static" / "audio" / "hold" / "music.wav").read_bytes()
    assert entry["licence"] == "CC0-1.0" and "generated for this project" in entry["source"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    fmt, rate = struct.unpack("<HHI", data[20:28])[0], struct.unpack("<HHI", data[20:28])[2]
    assert (fmt, rate) == (7, 8000)  # mu-law, 8 kHz: what Twilio plays without transcoding
    assert abs(len(data) / 8000 - waiting.HOLD_SECONDS) < 0.1
