"""Office hours: open or closed at an instant, when a desk opens next, and due times in service hours."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 60
"""How far ahead next_open looks before giving up (a desk closed for longer has no next opening)."""


@dataclass(frozen=True)
class Closure:
    """An operator's closure of a desk (or of the whole house) until an instant."""

    until: datetime
    reason: str = ""
    message: tuple[tuple[str, str], ...] = ()  # (language, text) pairs

    def text(self, language: str) -> str | None:
        """Return the operator's announcement in `language`, if given."""
        return dict(self.message).get(language)


@dataclass(frozen=True)
class DeskStatus:
    """Whether a desk takes calls now, why not, and when it opens next."""

    open: bool
    reason: str  # open | hours | holiday | closure_day | operator
    next_open: datetime | None = None
    closure: Closure | None = None


def _parse_range(text: str) -> tuple[time, time]:
    start, end = text.split("-")
    end_time = time(23, 59, 59) if end == "24:00" else time.fromisoformat(end)
    return time.fromisoformat(start), end_time


@dataclass(frozen=True)
class Schedule:
    """Weekly hours of one desk plus the house's holidays and closure days, in one time zone."""

    weekly: tuple[tuple[tuple[time, time], ...], ...]  # index 0 = Monday
    tz: ZoneInfo
    holiday: Callable[[date], str | None]
    closure_day: Callable[[date], tuple[time, str] | None]  # closed from that time on that date

    @classmethod
    def build(cls, hours: dict[str, list[str]], tz: ZoneInfo, holiday: Callable[[date], str | None],
              closure_day: Callable[[date], tuple[time, str] | None]) -> Schedule:
        """Make a Schedule from config-style hours ({"mon": ["08:00-16:00"]})."""
        weekly = tuple(tuple(sorted(_parse_range(r) for r in hours.get(day, []))) for day in WEEKDAYS)
        return cls(weekly, tz, holiday, closure_day)

    def ranges(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Yield the open intervals of one local day, holidays and closure days applied."""
        if self.holiday(day):
            return
        cut = self.closure_day(day)
        for start, end in self.weekly[day.weekday()]:
            if cut is not None:
                end = min(end, cut[0])
            if start < end:
                yield datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz)

    def why_closed(self, local: datetime) -> str:
        """Name the kind of closure at a closed instant: holiday, closure_day or hours."""
        if self.holiday(local.date()):
            return "holiday"
        cut = self.closure_day(local.date())
        if cut is not None and local.time() >= cut[0]:
            return "closure_day"
        return "hours"

    def is_open(self, now: datetime) -> bool:
        """True when `now` lies inside an open interval."""
        local = now.astimezone(self.tz)
        return any(start <= local < end for start, end in self.ranges(local.date()))

    def next_open(self, now: datetime) -> datetime | None:
        """Return the next opening at or after `now` (now itself when open), or None."""
        local = now.astimezone(self.tz)
        for offset in range(SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, end in self.ranges(day):
                if end > local:
                    return max(start, local)
        return None

    def status(self, now: datetime, closure: Closure | None = None) -> DeskStatus:
        """Tell whether the desk is open at `now`, honouring an operator's closure."""
        local = now.astimezone(self.tz)
        if closure is not None and closure.until > now:
            return DeskStatus(False, "operator", self.next_open(closure.until), closure)
        if self.is_open(local):
            return DeskStatus(True, "open", local)
        return DeskStatus(False, self.why_closed(local), self.next_open(local))

    def add_service_hours(self, start: datetime, hours: float) -> datetime:
        """Return the instant `hours` of open time after `start` (skipping nights, weekends, holidays)."""
        remaining = timedelta(hours=hours)
        local = start.astimezone(self.tz)
        for offset in range(SEARCH_DAYS * 6):
            day = local.date() + timedelta(days=offset)
            for begin, end in self.ranges(day):
                begin = max(begin, local)
                if end <= begin:
                    continue
                if end - begin >= remaining:
                    return begin + remaining
                remaining -= end - begin
        return local + timedelta(hours=hours)

    def service_seconds_between(self, start: datetime, end: datetime) -> float:
        """Count open seconds between two instants (for service-level figures)."""
        total = 0.0
        local = start.astimezone(self.tz)
        stop = end.astimezone(self.tz)
        day = local.date()
        while day <= stop.date():
            for begin, finish in self.ranges(day):
                lo, hi = max(begin, local), min(finish, stop)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total
