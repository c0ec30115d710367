"""The rules of a new closure (shared by the API and `ivr closure`), storing and ending entries, the table's view."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from ivr.hotline import closures

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LANGUAGES = ("de", "en", "ar")


@pytest.mark.parametrize(("text", "tz", "expected"), [
    ("2026-12-24T12:00+01:00", None, datetime(2026, 12, 24, 11, 0, tzinfo=UTC)),
    ("2026-12-24T12:00:00Z", None, datetime(2026, 12, 24, 12, 0, tzinfo=UTC)),
    ("2026-12-24 12:00", BERLIN, datetime(2026, 12, 24, 11, 0, tzinfo=UTC)),  # winter: UTC+1
    ("2026-07-01 12:00", BERLIN, datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),  # summer: UTC+2
    (" 2026-12-24T12:00+01:00 ", BERLIN, datetime(2026, 12, 24, 11, 0, tzinfo=UTC)),
])
def test_until_with_offset_or_in_local_time(text, tz, expected):
    assert closures.parse_until(text, tz) == expected


@pytest.mark.parametrize(("text", "tz", "message"), [
    ("2026-12-24 12:00", None, "until needs a UTC offset, e.g. 2026-12-24T12:00:00+01:00"),
    ("tomorrow", None, "until must be an ISO-8601 date and time with offset"),
    ("tomorrow", BERLIN, "until 'tomorrow' is not a time I can read; use \"Mo 12:00\", \"Montag 12:00\", \"morgen "
                         '12:00", "02.12.2026 16:00", "02.12. 16:00", "16:00" (local time, Europe/Berlin) or '
                         "ISO-8601 like 2026-12-02T16:00+01:00"),
    (None, None, "until must be an ISO-8601 date and time with offset"),
])
def test_until_that_does_not_parse(text, tz, message):
    with pytest.raises(closures.ClosureError) as caught:
        closures.parse_until(text, tz)
    assert str(caught.value) == message


def test_entry_checks_end_and_languages_and_trims():
    entry = closures.entry("2026-11-24T12:00+01:00", "r" * 600, {"de": "  Zu.  ", "en": " "}, LANGUAGES, NOW)
    assert entry.until == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    assert entry.reason == "r" * closures.REASON_CHARS
    assert entry.message == {"de": "Zu."}  # empty texts dropped
    assert closures.entry("2026-11-24T12:00+01:00", "", None, LANGUAGES, NOW).message == {}
    with pytest.raises(closures.ClosureError, match="until lies in the past"):
        closures.entry("2026-11-24T10:00+01:00", "", {}, LANGUAGES, NOW)  # == now
    for message in ({"xx": "?"}, {"de": 1}, ["de"]):
        with pytest.raises(closures.ClosureError, match=r"message must map language ids \(de, en, ar\) to text"):
            closures.entry("2026-11-24T12:00+01:00", "", message, LANGUAGES, NOW)


def test_desk_must_be_known_or_the_house():
    assert closures.check_desk("zebera", ["zebera", "info"]) == "zebera"
    assert closures.check_desk(closures.HOUSE, ["zebera"]) == closures.HOUSE
    with pytest.raises(closures.ClosureError, match="unknown desk 'nowhere'; desks: zebera, info"):
        closures.check_desk("nowhere", ["zebera", "info"])


def test_a_new_entry_replaces_the_desks_last_and_ends_by_time_or_operator(engine):
    first = closures.set_closure(engine, "zebera", "closure", NOW + timedelta(hours=2), "a", {}, "t", NOW)
    second = closures.set_closure(engine, "zebera", "closure", NOW + timedelta(hours=1), "b", {"de": "Zu"}, "t", NOW)
    closures.set_closure(engine, closures.HOUSE, "announcement", NOW + timedelta(hours=3), "", {"de": "!"}, "t", NOW)
    assert second > first
    snapshot = closures.read(engine).active(NOW)
    assert snapshot.desks["zebera"].reason == "b" and dict(snapshot.desks["zebera"].message) == {"de": "Zu"}
    assert snapshot.announcement is not None and snapshot.changes_at == NOW + timedelta(hours=1)
    later = closures.read(engine).active(NOW + timedelta(hours=1))
    assert "zebera" not in later.desks  # the replaced first entry does not come back
    assert closures.end_closure(engine, closures.HOUSE, "announcement", NOW) == 1
    assert closures.read(engine).active(NOW).announcement is None
    assert closures.end_closure(engine, closures.HOUSE, "announcement", NOW) == 0
