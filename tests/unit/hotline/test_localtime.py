"""Times as operators write them, read in the hotline's timezone from a fixed now (Tuesday 24.11.2026, 10:00)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ivr.hotline import localtime

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Berlin


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.mark.parametrize(("text", "expected"), [
    ("16:00", berlin(2026, 11, 24, 16, 0)),  # today, still ahead
    ("9:30", berlin(2026, 11, 25, 9, 30)),  # past today: tomorrow
    ("10:00", berlin(2026, 11, 25, 10, 0)),  # now is not ahead
    ("16.00 Uhr", berlin(2026, 11, 24, 16, 0)),
    ("Montag 12:00", berlin(2026, 11, 30, 12, 0)),
    ("Mo 12:00", berlin(2026, 11, 30, 12, 0)),
    ("mo. 12:00", berlin(2026, 11, 30, 12, 0)),
    ("Monday 12:00", berlin(2026, 11, 30, 12, 0)),
    ("Di 12:00", berlin(2026, 11, 24, 12, 0)),  # today's weekday, still ahead: today
    ("Dienstag 08:00", berlin(2026, 12, 1, 8, 0)),  # today's weekday, past: next week
    ("So, 18:00", berlin(2026, 11, 29, 18, 0)),
    ("morgen 12:00", berlin(2026, 11, 25, 12, 0)),
    ("heute 16:00", berlin(2026, 11, 24, 16, 0)),
    ("übermorgen 8:00", berlin(2026, 11, 26, 8, 0)),
    ("tomorrow 12:00", berlin(2026, 11, 25, 12, 0)),
    ("02.12.2026 16:00", berlin(2026, 12, 2, 16, 0)),
    ("2.12.2026, 16:00", berlin(2026, 12, 2, 16, 0)),
    ("02.12. 16:00", berlin(2026, 12, 2, 16, 0)),
    ("01.01. 08:00", berlin(2027, 1, 1, 8, 0)),  # past this year: next year
    ("Mi 02.12. 16:00", berlin(2026, 12, 2, 16, 0)),  # as the pages show a date
    ("2026-12-24 12:00", datetime(2026, 12, 24, 11, 0, tzinfo=UTC)),  # ISO without offset: local, winter
    ("2026-07-01T12:00", datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),  # summer
    ("2026-12-24T12:00+01:00", datetime(2026, 12, 24, 11, 0, tzinfo=UTC)),
    (" 2026-12-24T12:00:00Z ", datetime(2026, 12, 24, 12, 0, tzinfo=UTC)),
])
def test_local_forms(text, expected):
    found = localtime.parse(text, NOW, BERLIN)
    assert found == expected
    assert found.utcoffset() is not None


def test_a_local_time_keeps_the_zones_offset_of_that_day():
    assert localtime.parse("Mo 12:00", NOW, BERLIN).isoformat() == "2026-11-30T12:00:00+01:00"


@pytest.mark.parametrize("text", ["Montag", "soon", "", "31.02. 12:00", "25:00", "Do 02.12. 16:00", "12", "Mo 1200"])
def test_anything_else_is_refused_in_one_line_listing_the_forms(text):
    with pytest.raises(localtime.LocalTimeError) as caught:
        localtime.parse(text, NOW, BERLIN)
    assert str(caught.value) == (
        f'{text!r} is not a time I can read; use "Mo 12:00", "Montag 12:00", "morgen 12:00", "02.12.2026 16:00", '
        '"02.12. 16:00", "16:00" (local time, Europe/Berlin) or ISO-8601 like 2026-12-02T16:00+01:00')
