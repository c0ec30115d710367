"""hotline.choice: whom a waiting caller is offered to, and the wait estimate as callers hear it."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from ivr.hotline import choice

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _caller(n: int, language: str, waited: int, desk: str = "info") -> choice.Waiting:
    return choice.Waiting(n, desk, language, NOW - timedelta(seconds=waited))


def _person(n: int, languages: str, idle: int | None, desks: str = "info") -> choice.Free:
    return choice.Free(n, frozenset(desks.split(",")), frozenset(languages.split(",")),
                       None if idle is None else NOW - timedelta(seconds=idle))


def _pairs(callers, people, fallback=60) -> list[tuple[int, int]]:
    return [(c.entry_id, p.user_id) for c, p in choice.choose(callers, people, NOW, {"info": fallback})]


def test_the_callers_language_first_then_the_longest_idle():
    people = [_person(1, "de", 600), _person(2, "de,ar", 30), _person(3, "ar", 300)]
    assert _pairs([_caller(10, "ar", 5)], people) == [(10, 3)]
    assert _pairs([_caller(10, "de", 5)], people) == [(10, 1)]


def test_somebody_who_never_took_a_call_counts_as_idle_longest():
    assert _pairs([_caller(10, "de", 5)], [_person(1, "de", 3600), _person(2, "de", None)]) == [(10, 2)]


def test_longest_waiting_caller_first_and_each_person_once():
    callers = [_caller(10, "de", 5), _caller(11, "de", 50), _caller(12, "de", 20)]
    assert _pairs(callers, [_person(1, "de", 10), _person(2, "de", 20)]) == [(11, 2), (12, 1)]


def test_no_speaker_waits_until_the_desks_fallback_time_then_anybody_of_the_desk():
    people = [_person(1, "de", 10), _person(2, "tr", 10, desks="other")]
    assert _pairs([_caller(10, "tr", 59)], people) == []
    assert _pairs([_caller(10, "tr", 60)], people) == [(10, 1)]
    assert _pairs([_caller(10, "tr", 20)], people, fallback=20) == [(10, 1)]


def test_people_of_other_desks_are_never_offered():
    assert _pairs([_caller(10, "de", 500)], [_person(1, "de", 10, desks="zebera")]) == []


def test_the_estimate_and_its_spoken_range():
    assert choice.estimate(1, 240.0, 2, 1) is None  # too few answered calls
    assert choice.estimate(1, 240.0, 3, 0) is None
    assert choice.estimate(1, 240.0, 3, 2) == 120  # half a handle time: calls under way end on average halfway
    assert choice.estimate(5, 240.0, 3, 2) == 600  # ceil(5 / 2) = 3 rounds
    assert [choice.spoken_range(s) for s in (None, 100, 299, 600, 900, 901)] == [
        None, ("under", 5), ("under", 5), ("about", 10), ("about", 15), ("over", 15)]
