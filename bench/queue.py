"""Live queue benchmark: a simulated busy hour with the real rules, and the wait answer's latency on a real server.

`sim`: a discrete-event simulation in simulated time (no server, no sleep). Callers arrive (Poisson) at the two
queue desks of the shipped config (info, helpers) in a realistic language mix; 3–6 people per desk with their own
languages and pace take them. Whom to offer is decided by the real `ivr.hotline.choice.choose` (with the desk's
language_fallback_seconds), the spoken estimate by the real `choice.estimate` and `choice.spoken_range`, fed with
a handle time smoothed exactly as `queueing.note_handle_time` smooths it (checked against the real function at
the end of every run). The same callers (arrivals, languages, patience, talk times) are served under each policy
of the run: plain FIFO without language preference (the baseline), and the real choice with several fallback
times, the shipped one among them.

`latency`: a real gunicorn server (the Procfile's settings) with a queue desk and N callers waiting in the
database (`queueing.join`), one person signed in; signed POSTs to `/voice/queue/wait` (each an announcement: the
place, the estimate from the stored handle times, the offer) against the cached first answer `/voice/incoming`,
alternated in the same run. Usage:

    .venv/bin/python -m bench.queue sim [--scenarios 200/10,150/60] [--warm-up 60/30] [--runs 20] [--seed 1]
                                        [--json out.json]
    .venv/bin/python -m bench.queue latency [--waiting 20,200] [--requests 1000] [--rounds 3] [--concurrency 1,8]
                                            [--database-url postgresql://...]   # emptied first!
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from ivr.hotline import choice
from ivr.hotline import figures
from ivr.hotline import queueing
from ivr.settings import Desk

ROOT = Path(__file__).resolve().parent.parent
EPOCH = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
"""Simulated time 0: a Tuesday at 10:00 in Wuppertal (every desk open)."""

# --- the simulated hour: who calls, who answers -------------------------------------------------------------------

DESK_SHARE = {"info": 0.65, "helpers": 0.35}
LANGUAGE_MIX = {
    # the information desk hears the newcomers; the helpers' desk mostly volunteers and employers (German)
    "info": {"de": 0.22, "ar": 0.20, "uk": 0.16, "tr": 0.12, "fa": 0.12, "en": 0.06, "ru": 0.06, "kmr": 0.06},
    "helpers": {"de": 0.55, "ar": 0.10, "uk": 0.10, "tr": 0.10, "fa": 0.05, "en": 0.05, "ru": 0.03, "kmr": 0.02},
}
TALK_MEDIAN = {"info": 75.0, "helpers": 120.0}
"""Median talk time (seconds) of a call in the caller's own language; lognormal with TALK_SIGMA."""
TALK_SIGMA = 0.6
FOREIGN_FACTOR = 1.25
"""A call held in another language than the caller's (German or English as a fallback) takes this much longer."""


@dataclass(frozen=True)
class Person:
    """A simulated member of staff: desks, languages, pace (their talk times are pace x the desk's)."""

    user_id: int
    name: str
    desks: frozenset[str]
    languages: frozenset[str]
    pace: float


STAFF = (
    Person(1, "info-1", frozenset({"info"}), frozenset({"de", "en"}), 0.9),
    Person(2, "info-2", frozenset({"info"}), frozenset({"de", "ar"}), 1.0),
    Person(3, "info-3", frozenset({"info"}), frozenset({"de", "tr", "kmr"}), 1.1),
    Person(4, "info-4", frozenset({"info"}), frozenset({"de", "uk", "ru"}), 1.0),
    Person(5, "info-5", frozenset({"info"}), frozenset({"de", "fa"}), 1.2),
    Person(6, "both-1", frozenset({"info", "helpers"}), frozenset({"de", "ar", "en"}), 0.8),
    Person(7, "helpers-1", frozenset({"helpers"}), frozenset({"de", "en"}), 1.0),
    Person(8, "helpers-2", frozenset({"helpers"}), frozenset({"de", "tr"}), 1.1),
    Person(9, "helpers-3", frozenset({"helpers"}), frozenset({"de", "uk", "ru"}), 0.9),
)
"""Six people for the information desk, four for the helpers' desk (one of them in both)."""

OFFER_SECONDS = 20
"""An offer not accepted within this long is missed (the person is paused "verpasst")."""
SWEEP_SECONDS = 3
"""The worker's safety sweep: a dispatch every few seconds (a caller passing the fallback time is no event)."""
ANNOUNCE_EVERY = 45
"""Place and estimate are repeated about this often (ivr/web/voice/waiting.py)."""


@dataclass(frozen=True)
class Behaviour:
    """How callers and people act, beyond the rules under test."""

    accept_share: float = 0.92  # offers a person accepts (the rest ring out: missed)
    ring_median: float = 5.0  # seconds until the person picks up
    whisper: float = 5.0  # the whisper ("Hotline, Allgemeine Information, Arabisch, ... die 1") and the key
    patience_mean: float = 240.0  # a caller's patience, exponential
    press_one_share: float = 0.5  # of callers out of patience: press 1 for the callback (the rest hang up)
    pause_after_miss: float = 120.0  # a missed person notices and sets Verfügbar again after this long


@dataclass(frozen=True)
class Caller:
    """A simulated caller, drawn once and served by every policy alike."""

    number: int
    arrives: float
    desk: str
    language: str
    patience: float
    presses_one: bool
    talk_z: float  # the caller's draw of the talk time's lognormal
    measured: bool = True  # False: a caller of the calm warm-up before the window (not in the figures)


@dataclass
class Outcome:
    """What happened to one caller under one policy."""

    caller: Caller
    result: str | None = None  # answered, callback, abandoned, timeout
    ended: float | None = None  # connected (answered) or left
    own_language: bool | None = None
    announcements: list[tuple[float, int | None, int | None]] = field(default_factory=list)
    """(at, the estimate callers hear, the estimate with the place among all the desk's callers)"""

    @property
    def wait(self) -> float:
        return (self.ended if self.ended is not None else self.caller.arrives) - self.caller.arrives


def draw_callers(rng: random.Random, count: int, seconds: float, behaviour: Behaviour,
                 warm_up: tuple[int, float] = (0, 0.0)) -> list[Caller]:
    """`count` callers in `seconds` from 0 (Poisson: exponential gaps, rescaled to end within the window), after
    `warm_up` = (callers, seconds) before 0 that are served but not measured (the day so far: the handle times
    the estimate needs are on record, as on a real day)."""
    callers: list[Caller] = []
    for many, start, length, measured in ((warm_up[0], -warm_up[1], warm_up[1], False),
                                          (count, 0.0, seconds, True)):
        if many:
            callers += _arrivals(rng, many, start, length, measured, behaviour, len(callers))
    return callers


def _arrivals(rng: random.Random, count: int, start: float, seconds: float, measured: bool,
              behaviour: Behaviour, numbered: int) -> list[Caller]:
    gaps = [rng.expovariate(1.0) for _ in range(count + 1)]
    scale = seconds / sum(gaps)
    callers, at = [], start
    for number, gap in enumerate(gaps[:-1], start=numbered):
        at += gap * scale
        desk = rng.choices(list(DESK_SHARE), weights=list(DESK_SHARE.values()))[0]
        mix = LANGUAGE_MIX[desk]
        language = rng.choices(list(mix), weights=list(mix.values()))[0]
        callers.append(Caller(number + 1, at, desk, language, rng.expovariate(1 / behaviour.patience_mean),
                              rng.random() < behaviour.press_one_share, rng.gauss(0.0, 1.0), measured))
    return callers


# --- the policies under test ---------------------------------------------------------------------------------------

Policy = Callable[[list[choice.Waiting], list[choice.Free], datetime], list[tuple[choice.Waiting, choice.Free]]]


def fifo(callers: list[choice.Waiting], people: list[choice.Free],
         now: datetime) -> list[tuple[choice.Waiting, choice.Free]]:
    """The baseline: the longest waiting caller to the longest idle free person of the desk, language ignored."""
    free = sorted(people, key=lambda p: (p.idle_since is not None, p.idle_since or now, p.user_id))
    pairs = []
    for caller in sorted(callers, key=lambda c: (c.joined_at, c.entry_id)):
        person = next((p for p in free if caller.desk in p.desks), None)
        if person is not None:
            pairs.append((caller, person))
            free.remove(person)
    return pairs


def real_choice(fallback: int | None) -> Policy:
    """The real `choice.choose` with one fallback time for both desks (None: each desk's configured one)."""
    desks = {desk: fallback if fallback is not None else Desk.model_fields["language_fallback_seconds"].default
             for desk in DESK_SHARE}

    def policy(callers, people, now):
        return choice.choose(callers, people, now, desks)

    return policy


# --- the simulation -----------------------------------------------------------------------------------------------

@dataclass
class _Staff:
    person: Person
    state: str = "available"  # available, offered, talking, wrap_up, paused
    idle_since: float | None = None
    busy_with: int | None = None


@dataclass
class _Wait:
    outcome: Outcome
    state: str = "coming"  # coming (not called yet), waiting, offered, ended
    offer: int = 0  # offers made so far (a stale ring event names an older one)


class Simulation:
    """One policy over one set of callers, in simulated seconds from EPOCH."""

    def __init__(self, callers: Sequence[Caller], policy: Policy, behaviour: Behaviour, seed: int,
                 max_wait: int, wrap_up: int):
        self.policy, self.behaviour, self.seed = policy, behaviour, seed
        self.max_wait, self.wrap_up = max_wait, wrap_up
        self.staff = {p.user_id: _Staff(p) for p in STAFF}
        self.waits = {c.number: _Wait(Outcome(c)) for c in callers}
        self.events: list[tuple[float, int, str, tuple]] = []
        self.counter = 0
        self.stats: dict[tuple[str, str], tuple[float, int]] = {}  # (desk, language) -> smoothed, samples
        self.noted: list[tuple[str, str, float]] = []  # every handle time noted, for the check
        self.misses = 0
        for caller in callers:
            self._at(caller.arrives, "arrive", caller.number)
        self._at(min(c.arrives for c in callers), "sweep")

    def _at(self, when: float, kind: str, *data) -> None:
        self.counter += 1
        heapq.heappush(self.events, (when, self.counter, kind, data))

    def run(self) -> list[Outcome]:
        while self.events:
            now, _, kind, data = heapq.heappop(self.events)
            getattr(self, f"_{kind}")(now, *data)
            if kind != "sweep" or any(w.state == "waiting" for w in self.waits.values()):
                self._dispatch(now)
        return [w.outcome for w in self.waits.values()]

    # events

    def _sweep(self, now: float) -> None:
        if any(w.state != "ended" for w in self.waits.values()):
            self._at(now + SWEEP_SECONDS, "sweep")

    def _arrive(self, now: float, number: int) -> None:
        caller = self.waits[number].outcome.caller
        self.waits[number].state = "waiting"
        self._announce(now, number)
        self._at(now + caller.patience, "patience", number)
        self._at(now + self.max_wait, "timeout", number)

    def _announce(self, now: float, number: int) -> None:
        wait = self.waits[number]
        if wait.state == "ended":
            return
        wait.outcome.announcements.append((now, self.estimate(wait), self.estimate(wait, same_language=False)))
        self._at(now + ANNOUNCE_EVERY, "announce", number)

    def _patience(self, now: float, number: int) -> None:
        caller = self.waits[number].outcome.caller
        self._leave(now, number, "callback" if caller.presses_one else "abandoned")

    def _timeout(self, now: float, number: int) -> None:
        self._leave(now, number, "timeout")

    def _ring(self, now: float, number: int, offer: int, user_id: int, accepted: bool) -> None:
        wait, person = self.waits[number], self.staff[user_id]
        if wait.state != "offered" or wait.offer != offer:
            return  # the caller left while the phone rang (the person was freed then)
        if not accepted:  # rang out: the caller waits again, the person is paused "verpasst"
            self.misses += 1
            wait.state = "waiting"
            person.state, person.busy_with = "paused", None
            self._at(now + self.behaviour.pause_after_miss, "back", user_id)
            return
        caller = wait.outcome.caller
        wait.state = "ended"
        own = caller.language in person.person.languages
        wait.outcome.result, wait.outcome.ended, wait.outcome.own_language = "answered", now, own
        talk = (TALK_MEDIAN[caller.desk] * person.person.pace * math.exp(TALK_SIGMA * caller.talk_z)
                * (1.0 if own else FOREIGN_FACTOR))
        person.state = "talking"
        self._at(now + talk, "hang_up", number, user_id, talk)

    def _hang_up(self, now: float, number: int, user_id: int, talk: float) -> None:
        caller, person = self.waits[number].outcome.caller, self.staff[user_id]
        self.note_handle_time(caller.desk, caller.language, talk + self.wrap_up)
        person.state, person.busy_with = "wrap_up", None
        self._at(now + self.wrap_up, "wrapped", user_id)

    def _wrapped(self, now: float, user_id: int) -> None:
        person = self.staff[user_id]
        person.state, person.idle_since = "available", now

    def _back(self, now: float, user_id: int) -> None:
        self.staff[user_id].state = "available"

    # the rules

    def _leave(self, now: float, number: int, result: str) -> None:
        wait = self.waits[number]
        if wait.state == "ended":
            return
        if wait.state == "offered":  # the offered person's phone stops ringing: free again
            for person in self.staff.values():
                if person.busy_with == number:
                    person.state, person.busy_with = "available", None
        wait.state = "ended"
        wait.outcome.result, wait.outcome.ended = result, now

    def _dispatch(self, now: float) -> None:
        at = EPOCH + timedelta(seconds=now)
        waiting = [choice.Waiting(n, w.outcome.caller.desk, w.outcome.caller.language,
                                  EPOCH + timedelta(seconds=w.outcome.caller.arrives))
                   for n, w in self.waits.items() if w.state == "waiting"]
        if not waiting:
            return
        free = [choice.Free(s.person.user_id, s.person.desks, s.person.languages,
                            None if s.idle_since is None else EPOCH + timedelta(seconds=s.idle_since))
                for s in self.staff.values() if s.state == "available"]
        for caller, chosen in self.policy(waiting, free, at):
            wait, person = self.waits[caller.entry_id], self.staff[chosen.user_id]
            wait.state, wait.offer = "offered", wait.offer + 1
            person.state, person.busy_with = "offered", caller.entry_id
            rng = random.Random(f"{self.seed}:{caller.entry_id}:{wait.offer}")  # the same draw under every policy
            if rng.random() < self.behaviour.accept_share:
                delay = min(OFFER_SECONDS - 1.0, rng.lognormvariate(math.log(self.behaviour.ring_median), 0.5)
                            + self.behaviour.whisper)
                self._at(now + delay, "ring", caller.entry_id, wait.offer, chosen.user_id, True)
            else:
                self._at(now + OFFER_SECONDS, "ring", caller.entry_id, wait.offer, chosen.user_id, False)

    def note_handle_time(self, desk: str, language: str, seconds: float) -> None:
        """queueing.note_handle_time's smoothing, in memory (checked against the real one after the run)."""
        self.noted.append((desk, language, seconds))
        if seconds <= 0 or seconds > queueing.MAX_HANDLE_SECONDS:
            return
        found = self.stats.get((desk, language))
        if found is None:
            self.stats[(desk, language)] = (float(seconds), 1)
        else:
            self.stats[(desk, language)] = ((1 - queueing.SMOOTHING) * found[0] + queueing.SMOOTHING * seconds,
                                            found[1] + 1)

    def estimate(self, wait: _Wait, same_language: bool = True) -> int | None:
        """What the wait answer says now: Twilio's QueuePosition in the desk-language queue, the language's
        smoothed handle time (else the desk's weighted by calls), the desk's samples, the people signed in.
        With `same_language` False the place counts every caller of the desk ahead (a variant, for comparison)."""
        caller = wait.outcome.caller
        position = 1 + sum(1 for w in self.waits.values()
                           if w.state in ("waiting", "offered") and w.outcome.caller.desk == caller.desk
                           and (w.outcome.caller.language == caller.language or not same_language)
                           and w.outcome.caller.arrives < caller.arrives)
        times = {lang: v for (desk, lang), v in self.stats.items() if desk == caller.desk}
        samples = sum(n for _, n in times.values())
        if caller.language in times:
            handle = times[caller.language][0]
        else:
            handle = sum(s * n for s, n in times.values()) / samples if samples else None
        people = sum(1 for s in self.staff.values() if caller.desk in s.person.desks)  # nobody signs out here
        return choice.estimate(position, handle, samples, people)


def check_smoothing(simulation: Simulation) -> None:
    """Fold the run's handle times through the real `queueing.note_handle_time` (SQLite in memory): the figures
    the simulation estimated from must be the same."""
    import sqlalchemy as sa

    from ivr.store import db

    engine = sa.create_engine("sqlite://")
    db.metadata.create_all(engine)
    with engine.begin() as conn:
        for desk, language, seconds in simulation.noted:
            queueing.note_handle_time(conn, desk, language, seconds, EPOCH)
        for desk in DESK_SHARE:
            real = queueing.handle_times(conn, desk)
            mine = {lang: v for (d, lang), v in simulation.stats.items() if d == desk}
            assert real.keys() == mine.keys(), (desk, real, mine)
            for lang, (seconds, samples) in real.items():
                assert samples == mine[lang][1] and abs(seconds - mine[lang][0]) < 1e-6, (desk, lang, real, mine)
    engine.dispose()


# --- the figures --------------------------------------------------------------------------------------------------

def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = q * (len(ordered) - 1)
    low = int(index)
    return ordered[low] + (ordered[min(low + 1, len(ordered) - 1)] - ordered[low]) * (index - low)


def summarise(outcomes: list[Outcome]) -> dict[str, float]:
    """The figures of one policy over every run's measured callers."""
    outcomes = [o for o in outcomes if o.caller.measured]
    answered = [o for o in outcomes if o.result == "answered"]
    short = figures.SHORT_ABANDON_SECONDS
    decided = [o for o in outcomes if not (o.result == "abandoned" and o.wait < short)]
    within = [o for o in answered if o.wait <= figures.SERVICE_SECONDS]
    first, every, desk_first = [], [], []  # (estimate, actual) at the first announcement / every one
    none_first = none_every = 0
    for o in answered:  # the actual wait is known only for callers who were answered
        for number, (at, estimate, desk_wide) in enumerate(o.announcements):
            if number == 0 and desk_wide is not None:
                desk_first.append((desk_wide, o.ended - at))
            if estimate is None:
                none_every += 1
                none_first += number == 0
                continue
            pair = (estimate, o.ended - at)
            every.append(pair)
            if number == 0:
                first.append(pair)

    def right(pairs):
        return sum(choice.spoken_range(e) == choice.spoken_range(int(a)) for e, a in pairs) / len(pairs)

    count = len(outcomes)
    return {
        "callers": count,
        "answered": len(answered) / count,
        "callback": sum(o.result == "callback" for o in outcomes) / count,
        "abandoned": sum(o.result == "abandoned" for o in outcomes) / count,
        "timeout": sum(o.result == "timeout" for o in outcomes) / count,
        "wait_p50": _quantile([o.wait for o in answered], 0.5),
        "wait_p90": _quantile([o.wait for o in answered], 0.9),
        "all_wait_p50": _quantile([o.wait for o in outcomes], 0.5),
        "all_wait_p90": _quantile([o.wait for o in outcomes], 0.9),
        "service_level": len(within) / len(decided),
        "own_language": sum(bool(o.own_language) for o in answered) / len(answered),
        "mae_first": statistics.fmean(abs(e - a) for e, a in first) if first else float("nan"),
        "bias_first": statistics.fmean(e - a for e, a in first) if first else float("nan"),
        "range_right_first": right(first) if first else float("nan"),
        "no_estimate_first": none_first / len(answered),
        "mae_every": statistics.fmean(abs(e - a) for e, a in every) if every else float("nan"),
        "range_right_every": right(every) if every else float("nan"),
        "announcements": len(every) + none_every,
        "by_language": {lang: {"callers": len(mine), "answered_within_30s": sum(
            o.result == "answered" and o.wait <= figures.SERVICE_SECONDS for o in mine) / len(mine),
            "own_language": sum(bool(o.own_language) for o in mine if o.result == "answered") / max(
                1, sum(o.result == "answered" for o in mine))}
            for lang in LANGUAGE_MIX["info"]
            for mine in [[o for o in outcomes if o.caller.language == lang]] if mine},
        "desk_place_mae_first": statistics.fmean(abs(e - a) for e, a in desk_first) if desk_first else float("nan"),
        "desk_place_range_right_first": right(desk_first) if desk_first else float("nan"),
    }


POLICIES: dict[str, Policy] = {
    "fifo (baseline)": fifo,
    "choice, fallback 0 s": real_choice(0),
    "choice, fallback 60 s (shipped)": real_choice(None),
    "choice, fallback 300 s": real_choice(300),
}


def simulate(callers: int, minutes: float, runs: int, seed: int, behaviour: Behaviour, max_wait: int,
             wrap_up: int, warm_up: tuple[int, float]) -> dict[str, dict[str, float]]:
    """Every policy over the same `runs` sets of callers; figures pooled over the runs."""
    pooled: dict[str, list[Outcome]] = {name: [] for name in POLICIES}
    misses = dict.fromkeys(POLICIES, 0)
    for run in range(runs):
        drawn = draw_callers(random.Random(seed + run), callers, minutes * 60, behaviour,
                             (warm_up[0], warm_up[1] * 60))
        for name, policy in POLICIES.items():
            simulation = Simulation(drawn, policy, behaviour, seed + run, max_wait, wrap_up)
            pooled[name] += simulation.run()
            misses[name] += simulation.misses
            if run == 0:
                check_smoothing(simulation)
    return {name: summarise(outcomes) | {"offers_missed_per_run": misses[name] / runs}
            for name, outcomes in pooled.items()}


def print_sim(results: dict[str, dict[str, float]]) -> None:
    head = (f"{'policy':<32}{'answ.':>6}{'cb':>5}{'aband':>6}{'tmo':>5}{'wait p50':>9}{'p90':>6}"
            f"{'all p50':>8}{'p90':>6}{'SL30':>6}{'own':>6}{'MAE 1st':>8}{'bias':>6}{'rng ok':>7}"
            f"{'MAE all':>8}{'rng ok':>7}{'no est':>7}{'desk MAE':>9}{'rng ok':>7}{'missed':>7}")
    print(head)
    for name, r in results.items():
        print(f"{name:<32}{r['answered']:>6.0%}{r['callback']:>5.0%}{r['abandoned']:>6.0%}{r['timeout']:>5.0%}"
              f"{r['wait_p50']:>9.0f}{r['wait_p90']:>6.0f}{r['all_wait_p50']:>8.0f}{r['all_wait_p90']:>6.0f}"
              f"{r['service_level']:>6.0%}{r['own_language']:>6.0%}{r['mae_first']:>8.0f}{r['bias_first']:>6.0f}"
              f"{r['range_right_first']:>7.0%}{r['mae_every']:>8.0f}{r['range_right_every']:>7.0%}"
              f"{r['no_estimate_first']:>7.0%}{r['desk_place_mae_first']:>9.0f}"
              f"{r['desk_place_range_right_first']:>7.0%}{r['offers_missed_per_run']:>7.1f}")
    print("by language: answered within 30 s / served in their own language")
    for name, r in results.items():
        print(f"  {name:<32}" + "  ".join(f"{lang} {v['answered_within_30s']:.0%}/{v['own_language']:.0%}"
                                          for lang, v in r["by_language"].items()))


def _pair(text: str) -> tuple[int, float]:
    callers, minutes = text.split("/")
    return int(callers), float(minutes)


def main_sim(args: argparse.Namespace) -> dict:
    behaviour = Behaviour(patience_mean=args.patience, press_one_share=args.press_one)
    warm_up = _pair(args.warm_up)
    report = {}
    for scenario in args.scenarios.split(","):
        callers, minutes = _pair(scenario)
        print(f"\n{callers} callers in {minutes:g} minutes after {warm_up[0]} in {warm_up[1]:g} (not measured); "
              f"{args.runs} runs (seeds {args.seed}–{args.seed + args.runs - 1}), {len(STAFF)} people, wrap-up "
              f"{args.wrap_up} s, max_wait {args.max_wait} s, patience mean {args.patience:g} s "
              f"({args.press_one:.0%} of those out of patience press 1)")
        results = simulate(callers, minutes, args.runs, args.seed, behaviour, args.max_wait, args.wrap_up, warm_up)
        print_sim(results)
        report[scenario] = results
    return report


# --- the wait answer's latency ------------------------------------------------------------------------------------

SERVED_AT = "2026-11-24T09:00:00+00:00"
"""The served clock (a file the server reads): Tuesday 10:00 in Wuppertal, the desks open."""


def _seed(engine, waiting: int, prefix: str) -> None:
    """One person signed in for the information desk, handle times on record, `waiting` more callers in its
    queues."""
    import sqlalchemy as sa

    from ivr.hotline import presence
    from ivr.hotline import users

    now = datetime.fromisoformat(SERVED_AT)
    languages = list(LANGUAGE_MIX["info"])
    with engine.begin() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM users WHERE username = 'bench-anna'")).first():
            anna = users.create(conn, "bench-anna", "a long bench password", "staff", now, phone="+4915112345678",
                                languages=("de", "ar"))
            users.add_desk(conn, "bench-anna", "info")
            presence.set_status(conn, anna, presence.AVAILABLE, now)
            for language in ("de", "ar", "uk"):
                for seconds in (240, 300, 360):
                    queueing.note_handle_time(conn, "info", language, seconds, now)
        for number in range(waiting):
            queueing.join(conn, f"CA{prefix}{number:028x}", "info", languages[number % len(languages)],
                          now - timedelta(milliseconds=waiting - number))


def _form(sid: str, place: int, size: int, queue_time: int) -> dict[str, str]:
    return {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "From": "+4917612345678", "To": "+4920274763333",
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01",
            "QueueSid": "QU" + "1" * 32, "QueuePosition": str(place), "QueueTime": str(queue_time),
            "CurrentQueueSize": str(size), "AvgQueueTime": "30"}


Request = tuple[str, str, dict[str, str]]
"""(kind, path, form) of one signed POST."""
CHECKS: dict[str, Callable[[bytes], bool]] = {
    "incoming": lambda body: b"<Gather" in body,  # the language menu
    # a wait request without `n` is announced (the next one due 45 s on, never the 600 of the music-only kind)
    "wait (announcement)": lambda body: b"<Gather" in body and b"<Leave" not in body and b"wait?n=600<" not in body,
    "wait (hold only)": lambda body: b"<Leave" not in body and b"wait?n=600<" in body,  # not due: music only
}


def _measure(base: str, batch: list[Request], token: str, concurrency: int) -> dict[str, list[float]]:
    """POST the signed requests in order over `concurrency` connections (each its own share, kinds interleaved);
    the seconds each took by kind. Every answer is checked."""
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(token)

    def send(share: list[Request]) -> list[tuple[str, float]]:
        took = []
        with requests.Session() as session:
            for kind, path, form in share:
                url = base + path
                headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
                started = time.perf_counter()
                response = session.post(url, data=form, headers=headers, timeout=10)
                took.append((kind, time.perf_counter() - started))
                if response.status_code != 200 or not CHECKS[kind](response.content):
                    raise AssertionError(f"{kind} {path}: {response.status_code} {response.content[:300]!r}")
        return took

    timings: dict[str, list[float]] = {kind: [] for kind in CHECKS}
    with ThreadPoolExecutor(concurrency) as pool:
        for took in pool.map(send, [batch[i::concurrency] for i in range(concurrency)]):
            for kind, seconds in took:
                timings[kind].append(seconds)
    return timings


def _cuts(timings: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {"requests": len(timings), "p50_ms": round(cuts[49] * 1000, 2), "p99_ms": round(cuts[98] * 1000, 2),
            "max_ms": round(max(timings) * 1000, 1)}


def _batch(rnd: int, waiting: int, placed: list[tuple[str, int]], count: int) -> list[Request]:
    """`count` requests of each kind, interleaved: a fresh call's first request (the cached answer), a waiting
    caller's announcement, a waiting caller's stretch of music."""
    batch: list[Request] = []
    for i in range(count):
        fresh = {k: v for k, v in _form(f"CA{rnd:02x}{waiting:04x}{i:026x}", 1, 1, 0).items()
                 if not k.startswith(("Queue", "Current", "Avg"))}
        sid, place = placed[i % len(placed)]
        batch += [("incoming", "/voice/incoming", fresh),
                  ("wait (announcement)", "/voice/queue/wait", _form(sid, place, waiting, 20)),
                  ("wait (hold only)", "/voice/queue/wait?n=600", _form(sid, place, waiting, 20))]
    return batch


def main_latency(args: argparse.Namespace) -> dict:
    from bench.burst import TOKEN
    from bench.burst import Hotline
    from bench.burst import _prepare_database

    tmp = Path(tempfile.mkdtemp(prefix="ivr-queue-"))
    _prepare_database(args.database_url)
    hotline = Hotline(tmp, args.database_url).start(workers=0)
    hotline.clock.write_text(SERVED_AT)  # the clock stands still: every wait stays below max_wait
    report: dict[str, dict] = {"database": "postgresql" if args.database_url else "sqlite"}
    try:
        total = 0
        for waiting in [int(x) for x in args.waiting.split(",")]:
            _seed(hotline.engine, waiting - total, f"{waiting:04x}")
            total = waiting
            with hotline.engine.connect() as conn:
                live = queueing.waiting(conn, "info")
            places: dict[str, int] = {}
            placed = []  # every waiting caller with their place in their language's queue (QueuePosition)
            for found in live:
                places[found.language] = places.get(found.language, 0) + 1
                placed.append((found.call_sid, places[found.language]))
            assert len(placed) == waiting, (len(placed), waiting)
            for concurrency in [int(x) for x in args.concurrency.split(",")]:
                _measure(hotline.base, _batch(0xff, waiting + concurrency, placed, 100), TOKEN, concurrency)  # warm
                runs: dict[str, list[float]] = {kind: [] for kind in CHECKS}
                for rnd in range(args.rounds):
                    batch = _batch(rnd * 16 + concurrency, waiting, placed, args.requests)
                    for kind, timings in _measure(hotline.base, batch, TOKEN, concurrency).items():
                        runs[kind] += timings
                key = f"{waiting} waiting, {concurrency} at a time"
                report[key] = {kind: _cuts(timings) for kind, timings in runs.items()}
                print(f"\n{waiting} callers waiting at the information desk, {concurrency} request(s) at a time "
                      f"({args.rounds} rounds x {args.requests} requests of each kind, interleaved)")
                print(f"{'request':<24}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
                for kind, row in report[key].items():
                    print(f"{kind:<24}{row['requests']:>7}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
                          f"{row['max_ms']:>9.1f}")
    finally:
        hotline.stop()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="part", required=True)
    sim = sub.add_parser("sim", help="the discrete-event simulation with the real rules")
    sim.add_argument("--scenarios", default="200/10,150/60",
                     help="CALLERS/MINUTES arriving in the measured window; a comma list runs each")
    sim.add_argument("--warm-up", default="60/30", help="CALLERS/MINUTES before the window, served, not measured")
    sim.add_argument("--runs", type=int, default=20, help="sets of callers (seeds), figures pooled")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--patience", type=float, default=Behaviour.patience_mean, help="mean seconds")
    sim.add_argument("--press-one", type=float, default=Behaviour.press_one_share)
    sim.add_argument("--max-wait", type=int, default=Desk.model_fields["max_wait"].default)
    sim.add_argument("--wrap-up", type=int, default=Desk.model_fields["wrap_up_seconds"].default)
    latency = sub.add_parser("latency", help="the wait answer on a real server against the cached first answer")
    latency.add_argument("--waiting", default="20,200", help="callers waiting; a comma list runs each (growing)")
    latency.add_argument("--requests", type=int, default=1000, help="requests per kind and round")
    latency.add_argument("--concurrency", default="1,8", help="requests in flight; a comma list runs each")
    latency.add_argument("--rounds", type=int, default=3)
    latency.add_argument("--database-url", help="PostgreSQL URL (its public schema is dropped); default SQLite")
    for part in (sim, latency):
        part.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    began = time.perf_counter()
    report = main_sim(args) if args.part == "sim" else main_latency(args)
    print(f"\n({time.perf_counter() - began:.1f} s, load average {os.getloadavg()[0]:.1f}, "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {sys.platform})")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "results": report},
                                        indent=2) + "\n")


if __name__ == "__main__":
    main()
