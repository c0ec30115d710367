"""Desk schedules from config: weekly hours, NRW public holidays and the house's closure days."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from ivr.engine.hours import DeskStatus
from ivr.engine.hours import Schedule
from ivr.hotline.closures import HOUSE
from ivr.hotline.closures import Snapshot
from ivr.settings import FileConfig


def build_schedules(config: FileConfig) -> dict[str, Schedule]:
    """Make one Schedule per desk."""
    tz = ZoneInfo(config.hotline.timezone)
    public = holidays.country_holidays(config.holidays.country, subdiv=config.holidays.subdivision)

    @lru_cache(maxsize=4096)
    def holiday(day: date) -> str | None:
        return public.get(day)

    extra: dict[str, tuple[time, str]] = {}
    for item in config.closure_days:
        extra[item.date] = (time.fromisoformat(item.from_) if item.from_ else time(0, 0), item.reason)

    def closure_day(day: date) -> tuple[time, str] | None:
        return extra.get(day.isoformat()) or extra.get(day.strftime("%m-%d"))

    return {desk_id: Schedule.build(desk.hours, tz, holiday, closure_day) for desk_id, desk in config.desks.items()}


def desk_status(schedules: dict[str, Schedule], snapshot: Snapshot, desk: str, now: datetime) -> DeskStatus:
    """Tell whether a desk is open now, with operator closures (of the desk or the house) applied."""
    closure = snapshot.desks.get(desk) or snapshot.desks.get(HOUSE)
    return schedules[desk].status(now, closure)


def closed_until(snapshot: Snapshot, desk: str) -> datetime | None:
    """When an operator's closure of the desk (or of the house) in force ends, or None: a callback promise counts
    from then."""
    closure = snapshot.desks.get(desk) or snapshot.desks.get(HOUSE)
    return closure.until if closure is not None else None


def overflow_number(schedules: dict[str, Schedule], snapshot: Snapshot, now: datetime) -> str | None:
    """The overflow number, when set and every desk that would be open is closed by an operator."""
    if snapshot.overflow is None:
        return None
    in_hours = [d for d, s in schedules.items() if s.is_open(now)]
    if in_hours and all((snapshot.desks.get(d) or snapshot.desks.get(HOUSE)) for d in in_hours):
        return snapshot.overflow[0]
    return None
