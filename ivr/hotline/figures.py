"""Supervisor figures, each one SQL aggregate over anonymous columns (they survive the retention clean-up), and the
live queue's figures now (`live`: the live page, the API and /metrics read this one definition)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ivr.hotline import queueing
from ivr.store.db import callbacks
from ivr.store.db import calls
from ivr.store.db import queue_entries
from ivr.store.db import queue_log

OUTCOMES = ("transferred", "callback_requested", "abandoned", "error")
"""Call results in display order; calls still running or without a result count as "open"."""
NO_DESK = "-"
"""Desk key of calls that ended before reaching a desk."""


@dataclass(frozen=True)
class Period:
    """Local dates from `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def last_days(cls, today: date, days: int = 30) -> Period:
        """The `days` local days up to and including today."""
        return cls(today - timedelta(days=days - 1), today)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """One calendar month."""
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))

    def days(self) -> list[date]:
        """Every date of the period."""
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class ServiceLevel:
    """Callbacks of one desk and ISO week: decided (closed, or open past due) and done within the promise."""

    desk: str
    week: str  # 2026-W48
    decided: int
    within: int

    @property
    def share(self) -> float | None:
        """Fraction done within the promise, None when nothing was decided yet."""
        return self.within / self.decided if self.decided else None


def _in(period: Period, column: sa.Column) -> sa.ColumnElement[bool]:
    return column.between(period.start, period.end)


def calls_per_day(conn: Connection, period: Period) -> dict[tuple[date, str], int]:
    """Calls per local date and desk."""
    query = sa.select(calls.c.local_date, calls.c.desk, sa.func.count()) \
        .where(_in(period, calls.c.local_date)).group_by(calls.c.local_date, calls.c.desk)
    return {(day, desk or NO_DESK): n for day, desk, n in conn.execute(query)}


def outcome_mix(conn: Connection, period: Period) -> dict[str, int]:
    """Calls per outcome (transferred, callback_requested, abandoned, error, open)."""
    query = sa.select(calls.c.outcome, sa.func.count()).where(_in(period, calls.c.local_date)) \
        .group_by(calls.c.outcome)
    return _sorted({outcome or "open": n for outcome, n in conn.execute(query)})


def language_mix(conn: Connection, period: Period) -> dict[str, int]:
    """Calls per menu language ("-" when the caller hung up before choosing)."""
    query = sa.select(calls.c.language, sa.func.count()).where(_in(period, calls.c.local_date)) \
        .group_by(calls.c.language)
    return _sorted({language or NO_DESK: n for language, n in conn.execute(query)})


def weekday_hour(conn: Connection, period: Period) -> dict[tuple[int, int], int]:
    """Calls per local weekday (0 = Monday) and hour, for staffing."""
    query = sa.select(calls.c.local_weekday, calls.c.local_hour, sa.func.count()) \
        .where(_in(period, calls.c.local_date)).group_by(calls.c.local_weekday, calls.c.local_hour)
    return {(day, hour): n for day, hour, n in conn.execute(query) if day is not None and hour is not None}


def open_callbacks(conn: Connection, now: datetime) -> dict[str, tuple[int, int]]:
    """Open callback tasks per desk: (open, overdue)."""
    late = sa.func.sum(sa.case((callbacks.c.due_at < now, 1), else_=0))
    query = sa.select(callbacks.c.desk, sa.func.count(), late).where(callbacks.c.status == "open") \
        .group_by(callbacks.c.desk)
    return {desk: (n, int(overdue or 0)) for desk, n, overdue in conn.execute(query)}


def service_level(conn: Connection, period: Period, now: datetime) -> list[ServiceLevel]:
    """The 115-style figure: callbacks closed by their due time, per desk and ISO week of the request.

    A task's due time is its creation plus the desk's promise counted in service hours
    (Schedule.add_service_hours), so "closed_at <= due_at" is "done within the promise in service hours".
    Tasks still open before their due time are not decided yet and are left out.
    """
    closed = callbacks.c.status != "open"
    decided = sa.func.sum(sa.case((closed, 1), (callbacks.c.due_at < now, 1), else_=0))
    within = sa.func.sum(sa.case((sa.and_(closed, callbacks.c.closed_at <= callbacks.c.due_at), 1), else_=0))
    query = sa.select(callbacks.c.desk, callbacks.c.local_date, decided, within) \
        .where(_in(period, callbacks.c.local_date)).group_by(callbacks.c.desk, callbacks.c.local_date)
    weeks: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for desk, day, n, ok in conn.execute(query):
        year, week, _ = day.isocalendar()
        totals = weeks[(desk, f"{year}-W{week:02d}")]
        totals[0] += int(n or 0)
        totals[1] += int(ok or 0)
    return [ServiceLevel(desk, week, n, ok) for (desk, week), (n, ok) in sorted(weeks.items())]


def _sorted(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def month_rows(conn: Connection, period: Period, now: datetime) -> list[tuple[str, str, str, str, str]]:
    """Every figure of a period as (figure, period, desk, key, value) rows, for the CSV export."""
    month = period.start.strftime("%Y-%m")
    rows: list[tuple[str, str, str, str, str]] = []
    for (day, desk), n in sorted(calls_per_day(conn, period).items()):
        rows.append(("calls_per_day", day.isoformat(), desk, "calls", str(n)))
    rows += [("outcome", month, "", key, str(n)) for key, n in outcome_mix(conn, period).items()]
    rows += [("language", month, "", key, str(n)) for key, n in language_mix(conn, period).items()]
    rows += [("weekday_hour", month, "", f"{day}-{hour:02d}", str(n))
             for (day, hour), n in sorted(weekday_hour(conn, period).items())]
    for level in service_level(conn, period, now):
        share = "" if level.share is None else f"{level.share:.3f}"
        rows += [("service_level", level.week, level.desk, "decided", str(level.decided)),
                 ("service_level", level.week, level.desk, "within_promise", str(level.within)),
                 ("service_level", level.week, level.desk, "share", share)]
    return rows


def per_day(conn: Connection, period: Period, now: datetime) -> dict[date, dict[str, int]]:
    """Every day's figures for the wide CSV: `desk:<id>`, `outcome:<o>`, `language:<code>` (calls), and the
    callbacks requested that day: `callbacks`, `decided` and `within` per desk as `<figure>:<desk>`."""
    days: dict[date, dict[str, int]] = {day: defaultdict(int) for day in period.days()}
    for column, prefix, empty in ((calls.c.desk, "desk", NO_DESK), (calls.c.outcome, "outcome", "open"),
                                  (calls.c.language, "language", NO_DESK)):
        query = sa.select(calls.c.local_date, column, sa.func.count()).where(_in(period, calls.c.local_date)) \
            .group_by(calls.c.local_date, column)
        for day, key, n in conn.execute(query):
            days[day][f"{prefix}:{key or empty}"] += n
    closed = callbacks.c.status != "open"
    decided = sa.func.sum(sa.case((closed, 1), (callbacks.c.due_at < now, 1), else_=0))
    within = sa.func.sum(sa.case((sa.and_(closed, callbacks.c.closed_at <= callbacks.c.due_at), 1), else_=0))
    query = sa.select(callbacks.c.local_date, callbacks.c.desk, sa.func.count(), decided, within) \
        .where(_in(period, callbacks.c.local_date)).group_by(callbacks.c.local_date, callbacks.c.desk)
    for day, desk, n, done, ok in conn.execute(query):
        days[day][f"callbacks:{desk}"] += n
        days[day][f"decided:{desk}"] += int(done or 0)
        days[day][f"within:{desk}"] += int(ok or 0)
    return days


# --- the live queue: what supervisors, the API and /metrics see now ---

SERVICE_SECONDS = 30
"""The 115 promise: a call counts as served in time when a person took it within this many seconds."""
SHORT_ABANDON_SECONDS = 5
"""A caller who hung up within this many seconds of joining a queue is left out of the service level (a misdial or
an immediate change of mind, no chance to answer); they still count as abandoned."""
WAIT_BUCKETS = (5, 10, 15, 30, 60, 120, 300, 600)
"""Upper bounds (seconds) of the wait-time histogram in /metrics."""
STATES = (*queueing.LIVE, queueing.CONNECTED, queueing.ENDED)
"""Every state of a queue entry."""
AGENT_STATES = ("available", "busy", "wrap_up", "paused")
"""How the live page, the API and /metrics count people signed in for a desk (signed_out people are not counted)."""


@dataclass(frozen=True)
class DeskLive:
    """One queue desk now: who waits, who works, and today's figures (counts only, no person, no number).

    Service level (`service_level`): of today's callers in the desk's queue (a caller joins only while the desk
    is open, so every one was offered in service hours), the share a person took within SERVICE_SECONDS. Left out:
    callers who hung up within SHORT_ABANDON_SECONDS, and callers still waiting who have not yet waited
    SERVICE_SECONDS (undecided). Counted as not in time: everyone else who was not connected within
    SERVICE_SECONDS, including callers who pressed 1 for a callback, were asked to leave (closed, nobody,
    max_wait) or hung up later, and callers still waiting beyond it."""

    desk: str
    waiting: dict[str, int]  # language -> callers in the queue (waiting or being offered)
    longest_wait_s: int  # the longest current wait, 0 when nobody waits
    agents: dict[str, int]  # AGENT_STATES -> people of the desk
    offered: int  # callers who joined today
    answered: int  # of them, connected to a person (any wait)
    within: int  # of them, connected within SERVICE_SECONDS
    decided: int  # the service level's denominator
    abandoned: int  # hung up while waiting today (short ones included)
    short_abandoned: int  # of them, within SHORT_ABANDON_SECONDS
    missed: int  # offers to a person not taken, of today's callers
    wait_buckets: tuple[int, ...] = ()  # waits decided today (connected or ended) <= each WAIT_BUCKETS bound
    wait_count: int = 0
    wait_sum: int = 0

    @property
    def waiting_total(self) -> int:
        """Callers in the desk's queues, every language."""
        return sum(self.waiting.values())

    @property
    def service_level(self) -> float | None:
        """Share served within SERVICE_SECONDS among decided callers; None before the first one."""
        return self.within / self.decided if self.decided else None


def agent_state(status: str, busy_with: int | None) -> str | None:
    """Where a person counts on the live page: busy (on a call or being offered one) first, else by status;
    None for signed_out."""
    if busy_with is not None:
        return "busy"
    return status if status in ("available", "wrap_up", "paused") else None


def day_start(now: datetime, tz: tzinfo) -> datetime:
    """Midnight of `now`'s local day, as an aware instant."""
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(0), tzinfo=tz)


def live(conn: Connection, now: datetime, tz: tzinfo, desks: Sequence[str]) -> list[DeskLive]:
    """The live figures of the given desks, in that order (each query uses the queue's index on desk and state)."""
    wanted = list(desks)
    waiting: dict[str, dict[str, int]] = {desk: {} for desk in wanted}
    longest = dict.fromkeys(wanted, 0)
    for desk in wanted:  # per desk: the index (desk, state, joined_at) finds the few live entries
        for found in queueing.waiting(conn, desk):
            waiting[desk][found.language] = waiting[desk].get(found.language, 0) + 1
            longest[desk] = max(longest[desk], found.waited(now))
    people = {desk: dict.fromkeys(AGENT_STATES, 0) for desk in wanted}
    for agent in queueing.agents(conn, now):
        state = agent_state(agent.status, agent.busy_with)
        if state is None:
            continue
        for desk in agent.desks:
            if desk in people:
                people[desk][state] += 1
    today = _today(conn, day_start(now, tz), now, wanted)
    return [DeskLive(desk, dict(sorted(waiting[desk].items())), longest[desk], people[desk], **today[desk])
            for desk in wanted]


def _today(conn: Connection, since: datetime, now: datetime, desks: list[str]) -> dict[str, dict]:
    """Today's counts per desk from the queue entries that joined since local midnight (one aggregate)."""
    e = queue_entries.c
    connected = e.connected_at.is_not(None)
    decided_wait = sa.and_(e.wait_seconds.is_not(None), sa.or_(connected, e.state == queueing.ENDED))
    short = sa.and_(e.result == "abandoned", e.wait_seconds < SHORT_ABANDON_SECONDS)
    # written without NOT: result and wait_seconds are NULL while a caller waits, and NOT NULL is not true
    decided = sa.and_(sa.or_(e.result.is_(None), e.result != "abandoned", e.wait_seconds >= SHORT_ABANDON_SECONDS),
                      sa.or_(e.state.not_in(queueing.LIVE), e.joined_at <= now - timedelta(seconds=SERVICE_SECONDS)))
    within = sa.and_(connected, e.wait_seconds <= SERVICE_SECONDS)

    def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    columns = [e.desk, sa.func.count(), count(connected), count(within),
               count(decided), count(e.result == "abandoned"), count(short),
               count(decided_wait), sa.func.sum(sa.case((decided_wait, e.wait_seconds), else_=0))]
    columns += [count(sa.and_(decided_wait, e.wait_seconds <= bound)) for bound in WAIT_BUCKETS]
    # every state named: the index (desk, state, joined_at) then serves the day's range instead of a table scan
    today = sa.and_(e.desk.in_(desks), e.state.in_(STATES), e.joined_at >= since)
    query = sa.select(*columns).where(today).group_by(e.desk)
    missed = sa.select(e.desk, sa.func.count()).select_from(
        queue_entries.join(queue_log, queue_log.c.call_sid == e.call_sid)) \
        .where(today, queue_log.c.kind == "missed").group_by(e.desk)
    misses = {desk: int(n) for desk, n in conn.execute(missed)}
    found = {desk: {"offered": 0, "answered": 0, "within": 0, "decided": 0, "abandoned": 0, "short_abandoned": 0,
                    "missed": misses.get(desk, 0), "wait_buckets": (0,) * len(WAIT_BUCKETS), "wait_count": 0,
                    "wait_sum": 0} for desk in desks}
    for row in conn.execute(query):
        values = [int(v or 0) for v in row[1:]]
        found[row[0]].update(offered=values[0], answered=values[1], within=values[2], decided=values[3],
                             abandoned=values[4], short_abandoned=values[5], wait_count=values[6],
                             wait_sum=values[7], wait_buckets=tuple(values[8:]))
    return found


def live_json(figure: DeskLive) -> dict:
    """A desk's live figures as the API and the live page's endpoint send them."""
    level = figure.service_level
    return {"waiting": figure.waiting_total, "waiting_by_language": figure.waiting,
            "longest_wait_s": figure.longest_wait_s, "agents": dict(figure.agents),
            "today": {"offered": figure.offered, "answered": figure.answered,
                      f"answered_within_{SERVICE_SECONDS}s": figure.within, "decided": figure.decided,
                      "service_level": None if level is None else round(level, 4),
                      "abandoned": figure.abandoned, "short_abandoned": figure.short_abandoned,
                      "offers_missed": figure.missed}}
