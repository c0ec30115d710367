"""Whom to offer a waiting caller, and how long a caller will wait: pure rules over plain data, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

MIN_SAMPLES = 3
"""Answered calls of a desk (in any language) before a wait is estimated at all: fewer is too little data."""


@dataclass(frozen=True)
class Waiting:
    """A caller in a desk's queue, as the choice sees them."""

    entry_id: int
    desk: str
    language: str
    joined_at: datetime


@dataclass(frozen=True)
class Free:
    """A person who could be offered a call now: available, not ringing or talking, with a phone."""

    user_id: int
    desks: frozenset[str]
    languages: frozenset[str]
    idle_since: datetime | None  # None: never took a call: counts as idle longest


def choose(callers: Iterable[Waiting], people: Iterable[Free], now: datetime,
           fallback_seconds: Mapping[str, int]) -> list[tuple[Waiting, Free]]:
    """Pair waiting callers with free people: longest waiting caller first; a person of the caller's desk who
    speaks the caller's language first, then the longest idle; after the desk's `fallback_seconds` any free
    person of the desk. Each person and caller at most once."""
    free = sorted(people, key=lambda p: (p.idle_since is not None, p.idle_since or now, p.user_id))
    pairs: list[tuple[Waiting, Free]] = []
    for caller in sorted(callers, key=lambda c: (c.joined_at, c.entry_id)):
        of_desk = [p for p in free if caller.desk in p.desks]
        if not of_desk:
            continue
        speakers = [p for p in of_desk if caller.language in p.languages]
        waited = (now - caller.joined_at).total_seconds()
        pool = speakers or (of_desk if waited >= fallback_seconds.get(caller.desk, 60) else [])
        if pool:
            person = pool[0]  # `free` is sorted by idle time, longest first
            pairs.append((caller, person))
            free.remove(person)
    return pairs


def estimate(position: int, handle_seconds: float | None, samples: int, people: int) -> int | None:
    """Expected seconds until a caller at `position` (1 = next) is answered, or None when there is too little data.

    Each of `people` serves one call per smoothed handle time, so the caller waits for the calls ahead of them
    to be spread over the people: ceil(position / people) handle times, minus half a handle time on average
    for the calls already under way. Never the average wait of those still waiting (it lags and hides the queue's
    length)."""
    if handle_seconds is None or samples < MIN_SAMPLES or people < 1 or position < 1:
        return None
    rounds = -(-position // people)
    return max(0, int(round((rounds - 0.5) * handle_seconds)))


def spoken_range(seconds: int | None) -> tuple[str, int] | None:
    """The estimate as callers hear it: ("under", 5), ("about", N minutes, a multiple of 5) or ("over", 15)."""
    if seconds is None:
        return None
    minutes = seconds / 60
    if minutes < 5:
        return ("under", 5)
    if minutes > 15:
        return ("over", 15)
    return ("about", int(5 * round(minutes / 5)))
