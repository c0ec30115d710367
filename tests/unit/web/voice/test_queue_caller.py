"""A caller in a desk's live queue through the real webhooks (in-process app, real Redis and database): into the
queue, the wait answers Twilio asks for again and again, pressing 1, being asked to leave, every QueueResult of the
`<Enqueue>` action, and the requests Twilio would never send."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users
from ivr.store.db import events
from ivr.store.db import queue_log

MUSIC = "http://localhost/static/audio/hold/music.wav"
OFFER = ("Sie möchten nicht warten? Dann drücken Sie die 1. Wir rufen Sie zurück. Ihren Platz in der Warteschlange "
         "behalten Sie.")


@pytest.fixture
def person(engine, clock):
    """`person(name, desk=..., status=...)` signs somebody in for a desk (with a phone, speaking German)."""
    def make(name: str = "anna", desk: str = "info", status: str = presence.AVAILABLE, languages=("de",)) -> int:
        with engine.begin() as conn:
            user_id = users.create(conn, name, "a long test password", "staff", clock(), phone="+4915112345678",
                                   languages=languages)
            users.add_desk(conn, name, desk)
            presence.set_status(conn, user_id, status, clock())
        return user_id

    return make


def _to_info(phone):
    """A German caller who asks for a person (0): the information desk, a queue desk."""
    caller = phone()
    caller.call()
    caller.press("1")  # Deutsch
    return caller, caller.press("0")


def _entry(engine, call_sid: str) -> queueing.Entry | None:
    with engine.connect() as conn:
        return queueing.entry(conn, call_sid)


def _events(engine, call_sid: str) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(events.c.kind, events.c.dedupe_key, events.c.payload)
                            .where(events.c.call_sid == call_sid)).all()
    return {row.dedupe_key: json.loads(row.payload) | {"kind": row.kind} for row in rows}


def test_a_caller_for_a_queue_desk_with_somebody_signed_in_is_enqueued(phone, person, engine, clock):
    person()
    caller, turn = _to_info(phone)
    assert [v.tag for v in turn.verbs] == ["Enqueue"]
    assert turn.enqueue.text == "info-de"
    assert turn.enqueue.attrib["waitUrl"] == "http://localhost/voice/queue/wait"
    assert "s=queued" in turn.enqueue.attrib["action"]
    entry = _entry(engine, caller.call_sid)
    assert (entry.desk, entry.language, entry.state, entry.joined_at) == ("info", "de", "waiting", clock())
    queued = _events(engine, caller.call_sid)[f"queue:{caller.call_sid}:info"]
    assert queued == {"kind": "queue", "desk": "info", "language": "de", "at": clock().isoformat()}


def test_nobody_signed_in_never_queues_the_caller(phone, person, engine):
    person("bert", desk="zebera")  # signed in, but for another desk
    person("carla", status=presence.SIGNED_OUT)
    caller, turn = _to_info(phone)
    assert turn.enqueue is None and turn.dialed is None
    assert turn.says[:2] == ["Leider ist gerade niemand frei.", "Wir können Sie zurückrufen."]
    assert "s=choice" in turn.gather.attrib["action"]
    assert _entry(engine, caller.call_sid) is None


def test_a_person_on_a_break_counts_as_signed_in(phone, person):
    person(status=presence.PAUSED)
    _, turn = _to_info(phone)
    assert turn.enqueue is not None


def test_with_the_redis_breaker_open_the_desk_number_is_dialled(phone, person, app, engine):
    person()
    caller = phone()
    caller.call()
    caller.press("1")
    app.extensions["ivr"].breaker.trip()
    turn = caller.press("0")
    assert turn.dialed == "+492027476333" and turn.enqueue is None
    assert _entry(engine, caller.call_sid) is None


def test_the_first_wait_answer_says_place_no_estimate_and_the_offer_around_the_music(phone, person):
    person()
    caller, _ = _to_info(phone)
    turn = caller.wait(position=1, queue_time=0, size=1)
    gather, again = turn.verbs
    assert gather.tag == "Gather" and gather.attrib["numDigits"] == "1"
    assert gather.attrib["action"] == "http://localhost/voice/queue/key?n=45"
    assert turn.says == ["Sie sind auf Platz 1 in der Warteschlange.",
                         "Wie lange Sie warten müssen, können wir gerade nicht sagen.", OFFER]
    assert turn.plays == [MUSIC]
    assert (again.tag, again.text) == ("Redirect", "http://localhost/voice/queue/wait?n=45")


def test_place_and_estimate_are_repeated_about_every_45_seconds(phone, person):
    person()
    caller, _ = _to_info(phone)
    assert caller.wait(queue_time=0).says  # announced
    quiet = caller.wait(queue_time=17)
    assert quiet.says == [] and quiet.plays == [MUSIC]
    assert quiet.verbs[-1].text.endswith("?n=45")  # still due at 45 s
    again = caller.wait(queue_time=36, position=1)  # due within the next stretch: said now, not 15 s late
    assert again.says[0] == "Sie sind auf Platz 1 in der Warteschlange."
    assert again.verbs[-1].text.endswith("?n=81")


@pytest.mark.parametrize(("position", "said"), [
    (1, "Sie warten voraussichtlich weniger als 5 Minuten."),  # 0.5 x 300 s
    (2, "Sie warten voraussichtlich etwa 10 Minuten."),  # 1.5 x 300 s = 7.5 min
    (5, "Sie warten voraussichtlich mehr als 15 Minuten."),  # 4.5 x 300 s
])
def test_the_estimate_is_spoken_as_a_range_from_the_desks_handle_time(phone, person, engine, clock, position, said):
    person()
    with engine.begin() as conn:
        for _ in range(3):  # enough answered calls, each 300 s
            queueing.note_handle_time(conn, "info", "de", 300, clock())
    caller, _ = _to_info(phone)
    turn = caller.wait(position=position, queue_time=0, size=position)
    assert turn.says[:2] == [f"Sie sind auf Platz {position} in der Warteschlange.", said]


def test_two_people_halve_the_rounds_and_another_languages_time_stands_in(phone, person, engine, clock):
    person("anna")
    person("bert")
    with engine.begin() as conn:
        for _ in range(3):
            queueing.note_handle_time(conn, "info", "ar", 600, clock())  # no German calls yet: the desk's time
    caller, _ = _to_info(phone)
    turn = caller.wait(position=4, queue_time=0)  # 2 rounds for 2 people: 1.5 x 600 s = 15 min
    assert turn.says[1] == "Sie warten voraussichtlich etwa 15 Minuten."


def test_a_recorded_language_hears_its_clips(phone, person, engine):
    person(languages=("fa",))
    caller = phone()
    caller.call()
    caller.press("5")  # Farsi
    turn = caller.press("0")
    assert turn.enqueue.text == "info-fa"
    turn = caller.wait(position=2, queue_time=0)
    assert turn.plays[:3] == ["http://localhost/static/audio/fa/queue_position.0.wav",
                              "http://localhost/static/audio/fa/number_2.wav",
                              "http://localhost/static/audio/fa/queue_position.1.wav"]
    assert turn.plays[-1] == MUSIC


def test_a_repeated_wait_request_is_harmless(phone, person, engine):
    person()
    caller, _ = _to_info(phone)
    caller.wait(queue_time=5)
    url, params, headers = caller.sent[-1]
    first = caller.post(url, params, headers)
    second = caller.post(url, params, headers)
    assert first == second and first[0] == 200
    with engine.connect() as conn:
        assert [kind for _, kind, _, _ in queueing.history(conn, caller.call_sid)] == ["joined"]
    assert _entry(engine, caller.call_sid).state == "waiting"


def test_pressing_1_leaves_into_the_number_choice_and_the_callback(phone, person, engine, clock):
    person()
    caller, _ = _to_info(phone)
    caller.wait(queue_time=0)
    clock.advance(seconds=40)
    turn = caller.press("1")
    assert caller.turns[-2].left  # the key's answer was <Leave/>, then Twilio posted the action
    assert "0 1 7 6 1 2 3 4 5 6 7 8" in turn.text and "s=choice" in turn.gather.attrib["action"]
    assert turn.says[0] != "Wir können Sie zurückrufen."  # no reason, no second offer: the caller asked for it
    entry = _entry(engine, caller.call_sid)
    assert (entry.state, entry.leave_reason, entry.result, entry.wait_seconds) == ("ended", "caller", "callback", 40)
    turn = caller.press("1")  # call me back on this number
    assert "s=window_m" in turn.gather.attrib["action"]
    assert f"callback:{caller.call_sid}:info" in _events(engine, caller.call_sid)
    caller.press("2")  # afternoons
    turn = caller.press("2")  # no SMS
    assert "s=consent_2" in turn.gather.attrib["action"]
    assert f"refine:{caller.call_sid}:info" in _events(engine, caller.call_sid)
    turn = caller.press("2")  # no voice message: the promise as a day
    assert turn.hung_up and turn.says[0].startswith("Danke. Wir rufen Sie bis ")


def test_other_keys_go_on_waiting_and_star_repeats_the_announcement(phone, person, engine):
    person()
    caller, _ = _to_info(phone)
    caller.wait(queue_time=0)
    turn = caller.press("5")
    assert turn.says == [] and turn.plays == [MUSIC]  # followed the Redirect: the next stretch, nothing due
    assert caller.turns[-2].verbs[0].text == "http://localhost/voice/queue/wait?n=45"
    turn = caller.press("*")
    assert turn.says[0] == "Sie sind auf Platz 1 in der Warteschlange."
    assert _entry(engine, caller.call_sid).leave_reason is None


@pytest.mark.parametrize(("change", "reason", "said"), [
    ("max_wait", "timeout", "Sie warten schon lange. Leider ist noch niemand frei."),
    ("closes", "closed", "Diese Stelle hat jetzt geschlossen."),
    ("signs_out", "nobody", "Leider ist jetzt niemand mehr erreichbar."),
])
def test_a_caller_asked_to_leave_hears_why_then_the_callback_offer(phone, person, engine, clock, change, reason,
                                                                    said):
    anna = person()
    if change == "closes":
        clock.set("2026-11-24 15:58")  # the desk closes at 16:00
    caller, _ = _to_info(phone)
    caller.wait(queue_time=0)
    queue_time = 20
    if change == "max_wait":
        queue_time = 600  # the desk's max_wait (config default)
    elif change == "closes":
        clock.set("2026-11-24 16:00")
    else:
        with engine.begin() as conn:
            presence.set_status(conn, anna, presence.SIGNED_OUT, clock())
    turn = caller.wait(queue_time=queue_time)
    assert caller.turns[-2].left
    assert turn.says[:2] == [said, "Wir können Sie zurückrufen."]
    assert "s=choice" in turn.gather.attrib["action"]
    entry = _entry(engine, caller.call_sid)
    assert (entry.leave_reason, entry.result) == (reason, reason)


def test_max_wait_counts_from_joining_even_when_queue_time_lags(phone, person, engine, clock):
    person()
    caller, _ = _to_info(phone)
    clock.advance(seconds=601)
    turn = caller.wait(queue_time=10)
    assert turn.says[0] == "Sie warten schon lange. Leider ist noch niemand frei."


@pytest.mark.parametrize("figures", [{"position": 0}, {"position": 1001}, {"queue_time": 99999}])
def test_an_absurd_figure_is_the_error_path(phone, person, engine, figures):
    person()
    caller, _ = _to_info(phone)
    turn = caller.wait(**figures)
    assert caller.turns[-2].left
    assert turn.says[:2] == ["Leider ist gerade niemand frei.", "Wir können Sie zurückrufen."]
    assert (_entry(engine, caller.call_sid).leave_reason, _entry(engine, caller.call_sid).result) == ("error",
                                                                                                        "error")


def test_a_wait_request_for_a_call_without_an_entry_leaves(phone, person, engine):
    person()
    caller, _ = _to_info(phone)
    stranger = phone()
    stranger.queue = dict(caller.queue)  # a wait request for a call this service never queued
    stranger.turns = list(caller.turns)
    turn = stranger.wait(queue_time=3)
    assert stranger.turns[-2].left
    assert turn.says[:2] == ["Leider ist gerade niemand frei.", "Wir können Sie zurückrufen."]
    assert _entry(engine, stranger.call_sid) is None
    assert _entry(engine, caller.call_sid).leave_reason is None  # the real caller waits on


def test_bridged_is_answered_with_wait_and_talk_time(phone, person, engine, clock):
    anna = person()
    caller, _ = _to_info(phone)
    clock.advance(seconds=25)
    with engine.begin() as conn:
        queueing.connect(conn, caller.call_sid, anna, clock())  # the person's <Queue url> request
    clock.advance(seconds=180)
    turn = caller.queue_ends("bridged", queue_time=25)
    assert [v.tag for v in turn.verbs] == ["Hangup"]
    entry = _entry(engine, caller.call_sid)
    assert (entry.result, entry.wait_seconds, entry.talk_seconds, entry.agent_id) == ("answered", 25, 180, anna)
    reached = _events(engine, caller.call_sid)[f"reached:{caller.call_sid}:info:answered"]
    assert (reached["kind"], reached["outcome"], reached["desk"]) == ("reached", "answered", "info")
    assert (reached["wait_seconds"], reached["talk_seconds"], reached["agent_id"]) == (25, 180, anna)


def test_hanging_up_while_waiting_is_abandoned_with_the_wait(phone, person, engine, clock):
    person()
    caller, _ = _to_info(phone)
    clock.advance(seconds=70)
    turn = caller.queue_ends("hangup", queue_time=70)
    assert [v.tag for v in turn.verbs] == ["Hangup"]
    entry = _entry(engine, caller.call_sid)
    assert (entry.result, entry.wait_seconds) == ("abandoned", 70)
    reached = _events(engine, caller.call_sid)[f"reached:{caller.call_sid}:info:abandoned"]
    assert reached["outcome"] == "abandoned" and reached["wait_seconds"] == 70


@pytest.mark.parametrize(("result", "queue_time"), [("queue-full", "0"), ("system-error", "3"), ("redirected", "9"),
                                                    ("leave", "3"), ("bridged", "99999")])
def test_an_unexpected_action_is_the_error_path(phone, person, engine, result, queue_time):
    """queue-full and the like; leave without our asking (no reason on the entry); an absurd QueueTime."""
    person()
    caller, _ = _to_info(phone)
    turn = caller.queue_ends(result, queue_time=int(queue_time))
    assert turn.says[:2] == ["Leider ist gerade niemand frei.", "Wir können Sie zurückrufen."]
    assert "s=choice" in turn.gather.attrib["action"]
    assert _entry(engine, caller.call_sid).result == "error"


def test_an_action_for_a_call_without_an_entry_is_the_error_path(phone, person, engine):
    person()
    caller, _ = _to_info(phone)
    with engine.begin() as conn:
        conn.execute(queue_log.delete())
        conn.execute(sa.text("DELETE FROM queue_entries"))
    turn = caller.queue_ends("leave")
    assert turn.says[:2] == ["Leider ist gerade niemand frei.", "Wir können Sie zurückrufen."]


def test_a_replayed_action_is_refused_and_ends_the_wait_once(phone, person, engine):
    person()
    caller, _ = _to_info(phone)
    caller.queue_ends("hangup")
    url, params, headers = caller.sent[-1]
    status, _ = caller.post(url, params, headers)
    assert status == 409
    with engine.connect() as conn:
        assert [kind for _, kind, _, _ in queueing.history(conn, caller.call_sid)] == ["joined", "ended"]
