"""Supervisor figures, each one SQL aggregate over anonymous columns (they survive the retention clean-up)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ivr.store.db import callbacks
from ivr.store.db import calls

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
