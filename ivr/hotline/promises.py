"""Callback promises: the due time inside the caller's window, the day spoken, and a desk's windows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ivr.engine.hours import SEARCH_DAYS
from ivr.engine.hours import WEEKDAYS
from ivr.engine.hours import Schedule

Ranges = tuple[tuple[tuple[time, time], ...], ...]
"""Weekly time ranges, index 0 = Monday (as Schedule.weekly); a window's None means any time."""
ANY = "any"
END_OF_DAY = time(23, 59, 59)  # as the hours parser reads "24:00"
NOON = time(12, 0)
DEFAULT_WINDOWS: dict[str, tuple[int, Ranges | None]] = {
    # the desk's hours before and after noon: 08:00-12:00 and 12:00-closing with the shipped hours
    "morning": (1, tuple(((time(0, 0), NOON),) for _ in WEEKDAYS)),
    "afternoon": (2, tuple(((NOON, END_OF_DAY),) for _ in WEEKDAYS)),
    ANY: (3, None),
}
"""The windows a caller chooses by key (1, 2, 3) when the desk configures none of its own."""


def parse_ranges(hours: dict[str, list[str]]) -> Ranges:
    """Read config-style ranges ({"thu": ["16:00-18:00"]}) as weekly ranges."""
    def parse(text: str) -> tuple[time, time]:
        start, end = text.split("-")
        return time.fromisoformat(start), END_OF_DAY if end == "24:00" else time.fromisoformat(end)

    return tuple(tuple(sorted(parse(r) for r in hours.get(day, []))) for day in WEEKDAYS)


def windows(desk: Any) -> dict[str, tuple[int, Ranges | None]]:
    """A desk's windows by id: (digit, ranges), in digit order; `any` (3) always, its own windows take 1 and 2.

    `desk` is a config desk (ivr.settings.Desk); its `windows` (id -> digit, hours) replace the default window
    of the same id or digit."""
    own = {wid: (w.digit, parse_ranges(w.hours)) for wid, w in (getattr(desk, "windows", None) or {}).items()}
    taken = {digit for digit, _ in own.values()}
    found = {wid: v for wid, v in DEFAULT_WINDOWS.items() if wid not in own and v[0] not in taken}
    found.update(own)
    return dict(sorted(found.items(), key=lambda item: item[1][0]))


def by_digit(found: dict[str, tuple[int, Ranges | None]], digit: str | int | None) -> str:
    """The window id a key chooses; no key or an unknown one is any time."""
    return next((wid for wid, (d, _) in found.items() if str(d) == str(digit)), ANY)


def _intersect(a: tuple[tuple[time, time], ...], b: tuple[tuple[time, time], ...]) -> tuple[tuple[time, time], ...]:
    out = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                out.append((start, end))
    return tuple(sorted(out))


def within(schedule: Schedule, window_ranges: Ranges | None) -> Schedule:
    """The desk's schedule narrowed to a window (holidays and closure days still apply); any: the schedule."""
    if window_ranges is None:
        return schedule
    return replace(schedule, weekly=tuple(_intersect(day, win) for day, win in zip(schedule.weekly, window_ranges,
                                                                                     strict=True)))


def due_at(schedule: Schedule, at: datetime, promise_hours: float, window_ranges: Ranges | None,
           closed_until: datetime | None = None) -> datetime:
    """When a callback asked for at `at` is due: the promise in the desk's service hours, then inside the window.

    The promise is counted in the desk's service hours as before (from `closed_until` when an operator has the desk
    closed); with a window the task is due at the end of the window's slot that holds that instant, or of the next
    slot. So a window never shortens the office's promise and lengthens it by at most one slot: counting the
    promise inside a narrow window instead (24 hours of a two-hour Thursday evening) would promise months."""
    start = max(at, closed_until) if closed_until is not None else at
    due = schedule.add_service_hours(start, promise_hours)
    if window_ranges is None:
        return due
    narrowed = within(schedule, window_ranges)
    local = due.astimezone(schedule.tz)
    for offset in range(SEARCH_DAYS):
        for _begin, end in narrowed.ranges(local.date() + timedelta(days=offset)):
            if end >= local:
                return end
    return due  # the window never meets the desk's hours (refused by `ivr flows check`): the plain promise


def promised_day(due: datetime, tz: ZoneInfo) -> date:
    """The local day spoken to the caller ("bis Mittwoch, 2. Dezember"): the day the task is due."""
    return due.astimezone(tz).date()


def in_window(schedule: Schedule, window_ranges: Ranges | None, at: datetime) -> bool:
    """True when `at` is inside the desk's hours and the caller's window (an attempt now suits the caller)."""
    return within(schedule, window_ranges).is_open(at)


def next_in_window(schedule: Schedule, window_ranges: Ranges | None, at: datetime) -> datetime | None:
    """The first instant at or after `at` inside the desk's hours and the window, or None within SEARCH_DAYS."""
    return within(schedule, window_ranges).next_open(at)


def outside_hours(hours: dict[str, list[str]], window_hours: dict[str, list[str]]) -> list[str]:
    """The window's ranges ("thu 16:00-19:00") that do not lie wholly inside one of the desk's ranges that day."""
    desk, window = parse_ranges(hours), parse_ranges(window_hours)
    bad = []
    for index, day in enumerate(WEEKDAYS):
        for start, end in window[index]:
            if not any(d_start <= start and end <= d_end for d_start, d_end in desk[index]):
                bad.append(f"{day} {start:%H:%M}-{'24:00' if end == END_OF_DAY else f'{end:%H:%M}'}")
    return bad
