"""hotline.queueing: each change of a wait is a conditional update, so a second, late or crossing one changes
nothing; offers, misses, withdrawals, the swap of two offers of one Twilio queue, and the end of a talk."""

from __future__ import annotations

import pytest

from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users


@pytest.fixture
def person(engine, clock):
    def make(name: str) -> int:
        with engine.begin() as conn:
            user_id = users.create(conn, name, "a long test password", "staff", clock(), phone="+4915112345601")
            users.add_desk(conn, name, "info")
            presence.set_status(conn, user_id, presence.AVAILABLE, clock())
        return user_id

    return make


def _join(conn, clock, n: int, language: str = "de") -> queueing.Entry:
    return queueing.join(conn, f"CA{n:032d}", "info", language, clock())


def test_an_offer_reserves_both_or_neither(engine, clock, person):
    anna, bert = person("anna"), person("bert")
    with engine.begin() as conn:
        first, second = _join(conn, clock, 1), _join(conn, clock, 2)
        assert queueing.offer(conn, first.id, anna, clock())
        assert not queueing.offer(conn, first.id, bert, clock())  # the caller is offered already
        assert not queueing.offer(conn, second.id, anna, clock())  # anna is busy
        assert queueing.agents(conn, clock(), "info")[1].busy_with is None  # bert's failed try left nothing
        assert queueing.offer(conn, second.id, bert, clock())


def test_miss_pauses_withdraw_does_not_and_each_happens_once(engine, clock, person):
    anna = person("anna")
    with engine.begin() as conn:
        waiting = _join(conn, clock, 1)
        queueing.offer(conn, waiting.id, anna, clock())
        assert queueing.withdraw(conn, waiting.id, anna, clock(), "call failed")
        assert not queueing.withdraw(conn, waiting.id, anna, clock(), "call failed")
        assert presence.current(conn, anna, clock()).status == presence.AVAILABLE
        queueing.offer(conn, waiting.id, anna, clock())
        assert queueing.miss(conn, waiting.id, anna, clock())
        assert not queueing.miss(conn, waiting.id, anna, clock())
        assert presence.current(conn, anna, clock()).reason == queueing.MISSED
        assert queueing.entry_by_id(conn, waiting.id).state == queueing.WAITING
        assert [k for _, k, _, _ in queueing.history(conn, waiting.call_sid)] == [
            "joined", "offered", "withdrawn", "offered", "missed"]


def test_a_swap_hands_the_other_persons_offer_to_the_caller_left(engine, clock, person):
    anna, bert = person("anna"), person("bert")
    with engine.begin() as conn:
        first, second = _join(conn, clock, 1), _join(conn, clock, 2)
        queueing.offer(conn, first.id, anna, clock())
        queueing.offer(conn, second.id, bert, clock())
        queueing.accept(conn, second.id, bert, clock())
        queueing.connect(conn, first.call_sid, bert, clock())  # bert's <Dial><Queue> took the queue's head
        assert queueing.offer_of(conn, first.id, anna).id == second.id  # anna's whisper named the first caller
        moved = queueing.entry_by_id(conn, second.id)
        assert (moved.state, moved.agent_id) == (queueing.OFFERED, anna)  # anna has not pressed 1 yet
        assert queueing.talking_with(conn, bert).id == first.id
        assert queueing.talking_with(conn, anna) is None


def test_the_end_of_a_talk_frees_the_person_into_wrap_up(engine, clock, person):
    anna = person("anna")
    with engine.begin() as conn:
        waiting = _join(conn, clock, 1)
        queueing.offer(conn, waiting.id, anna, clock())
        queueing.accept(conn, waiting.id, anna, clock())
        queueing.connect(conn, waiting.call_sid, anna, clock())
        queueing.agent_done(conn, anna, clock(), 60)
        assert presence.current(conn, anna, clock()).status == presence.WRAP_UP
        assert queueing.talking_with(conn, anna) is None
        clock.advance(seconds=60)
        assert presence.current(conn, anna, clock()).status == presence.AVAILABLE


def test_desks_waiting_counts_only_callers_without_an_offer_or_a_reason_to_leave(engine, clock, person):
    anna = person("anna")
    with engine.begin() as conn:
        offered, leaving = _join(conn, clock, 1), _join(conn, clock, 2)
        queueing.offer(conn, offered.id, anna, clock())
        queueing.ask_to_leave(conn, leaving.call_sid, "caller", clock())
        assert queueing.desks_waiting(conn) == []
        _join(conn, clock, 3)
        assert queueing.desks_waiting(conn) == ["info"]
