"""An instant as operators write it: "Mo 12:00", "morgen 12:00", "02.12. 16:00", "16:00" in the hotline's
timezone, or ISO-8601 (with an offset, or local without one)."""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from ivr.core.errors import IvrError

WEEKDAYS = {name: day for day, names in enumerate((
    ("montag", "mo", "monday", "mon"), ("dienstag", "di", "tuesday", "tue"), ("mittwoch", "mi", "wednesday", "wed"),
    ("donnerstag", "do", "thursday", "thu"), ("freitag", "fr", "friday", "fri"),
    ("samstag", "sa", "saturday", "sat"), ("sonntag", "so", "sunday", "sun"))) for name in names}
"""German and English day names and their short forms -> Monday 0 .. Sunday 6."""
DAYS_AHEAD = {"heute": 0, "today": 0, "morgen": 1, "tomorrow": 1, "übermorgen": 2}
"""Words for a day counted from today."""
FORMS = '"Mo 12:00", "Montag 12:00", "morgen 12:00", "02.12.2026 16:00", "02.12. 16:00", "16:00"'
"""The local forms, as the refusal lists them."""

_TIME = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:\s*uhr)?"
_DAY = re.compile(rf"(?P<day>[a-zäöü]+)\.?,?\s+{_TIME}")
_DATE = re.compile(rf"(?:(?P<wd>[a-zäöü]+)\.?,?\s+)?(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}})?,?\s+{_TIME}")
_CLOCK = re.compile(_TIME)


class LocalTimeError(IvrError, ValueError):
    """A text that is none of the accepted forms, or names no real time; the message lists the forms."""


def forms(tz: ZoneInfo) -> str:
    """The accepted forms in one line, for a refusal or a help text."""
    return f"{FORMS} (local time, {tz.key}) or ISO-8601 like 2026-12-02T16:00+01:00"


def _clock(match: re.Match[str]) -> time:
    return time(int(match["hour"]), int(match["minute"]))


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def parse(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The instant `text` names, read in `tz`; a form without a date is the next such time after `now`.

    "16:00" is today, or tomorrow once past; "Mo 12:00" the next Monday at noon (today if still ahead);
    "02.12. 16:00" this year, or next year once past. LocalTimeError lists the forms when none fits.
    """
    raw = " ".join(str(text or "").split())
    cleaned = raw.lower()
    today = now.astimezone(tz).date()
    try:
        try:
            found = datetime.fromisoformat(raw)
        except ValueError:
            found = None
        if found is not None:
            return found if found.tzinfo is not None else found.replace(tzinfo=tz)
        if match := _CLOCK.fullmatch(cleaned):
            at = _at(today, _clock(match), tz)
            return at if at > now else _at(today + timedelta(days=1), _clock(match), tz)
        if match := _DAY.fullmatch(cleaned):
            word = match["day"]
            if word in DAYS_AHEAD:
                return _at(today + timedelta(days=DAYS_AHEAD[word]), _clock(match), tz)
            if word in WEEKDAYS:
                ahead = (WEEKDAYS[word] - today.weekday()) % 7
                at = _at(today + timedelta(days=ahead), _clock(match), tz)
                return at if at > now else _at(today + timedelta(days=ahead or 7), _clock(match), tz)
        if match := _DATE.fullmatch(cleaned):
            year = int(match["y"]) if match["y"] else today.year
            at = _at(date(year, int(match["m"]), int(match["d"])), _clock(match), tz)
            if not match["y"] and at <= now:
                at = _at(date(year + 1, int(match["m"]), int(match["d"])), _clock(match), tz)
            if match["wd"] is None or WEEKDAYS.get(match["wd"]) == at.weekday():  # "Mi 02.12. 16:00" as shown
                return at
    except ValueError:  # 31.02., 25:00: the form fits, the date or time does not exist
        pass
    raise LocalTimeError(f"{raw!r} is not a time I can read; use {forms(tz)}")
