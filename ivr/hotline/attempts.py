"""Callback attempts: how many a desk makes, how far apart (in service hours), and when the next one may start —
inside the desk's hours and the caller's window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ivr.engine.hours import Schedule
from ivr.hotline import promises
from ivr.hotline.promises import Ranges
from ivr.settings import Settings


@dataclass(frozen=True)
class Limits:
    """A desk's attempts before a task closes as unreachable, and the least service time between two."""

    attempts: int
    spacing_minutes: int


def limits(settings: Settings, desk: str) -> Limits:
    """The desk's own `attempts` and `attempt_spacing_minutes`, else the house's (`callbacks.max_attempts`,
    `callbacks.attempt_spacing_minutes`)."""
    house = settings.config.callbacks
    own = settings.desks.get(desk)
    attempts = own.attempts if own is not None and own.attempts is not None else house.max_attempts
    spacing = (own.attempt_spacing_minutes if own is not None and own.attempt_spacing_minutes is not None
               else house.attempt_spacing_minutes)
    return Limits(attempts, spacing)


def window_ranges(desk: Any, window: str | None) -> Ranges | None:
    """The weekly ranges of a task's window at its desk (`desk`: the config desk; its own windows first, then the
    house's morning and afternoon); None for any time, a task from before windows and an unknown id."""
    found = promises.windows(desk).get(window) if window else None
    return found[1] if found is not None else None


def in_window(schedule: Schedule, ranges: Ranges | None, at: datetime) -> bool:
    """True when `at` lies inside the desk's hours and the caller's window."""
    return promises.in_window(schedule, ranges, at)


def next_allowed(schedule: Schedule, ranges: Ranges | None, at: datetime) -> datetime:
    """The first instant at or after `at` inside the desk's hours and the window (`at` itself when inside). A window
    that never meets the desk's hours (`ivr flows check` refuses one) falls back to the hours, and hours that never
    open to `at`."""
    return promises.next_in_window(schedule, ranges, at) or schedule.next_open(at) or at


def earliest_next(schedule: Schedule, ranges: Ranges | None, attempt_at: datetime, spacing_minutes: int) -> datetime:
    """When the attempt after one made at `attempt_at` may start: `spacing_minutes` of the desk's service time
    later (nights, weekends and holidays do not count), then inside the window."""
    return next_allowed(schedule, ranges, schedule.add_service_hours(attempt_at, spacing_minutes / 60))


def may_start(task: dict[str, Any], now: datetime) -> bool:
    """True when the spacing after the task's last attempt is over (its `next_attempt_at` reached, or none)."""
    due = task.get("next_attempt_at")
    return due is None or due <= now


def next_from(schedule: Schedule, ranges: Ranges | None, task: dict[str, Any], now: datetime) -> datetime | None:
    """When the next attempt at a task may start — its spacing over and inside the desk's hours and the caller's
    window — or None when that is now (what the desk list tells)."""
    spaced = task.get("next_attempt_at")
    at = next_allowed(schedule, ranges, spaced if spaced is not None and spaced > now else now)
    return at if at > now else None
