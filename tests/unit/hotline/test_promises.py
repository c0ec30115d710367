"""Callback promises at awkward times: the due time in service hours and inside the caller's window, the day spoken."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from types import SimpleNamespace

import pytest

from ivr.hotline import promises
from ivr.hotline.officehours import build_schedules
from ivr.settings import DEFAULT_CONFIG
from ivr.settings import load_config
from tests.support.clock import BERLIN
from tests.support.clock import berlin

CONFIG = load_config(DEFAULT_CONFIG)
SCHEDULES = build_schedules(CONFIG)
INFO = SCHEDULES["info"]  # promise 8 service hours, Mon-Fri 08:00-16:00, Thursday until 18:00
ZEBERA = SCHEDULES["zebera"]  # promise 24 service hours, same hours
WINDOWS = promises.windows(CONFIG.desks["info"])
MORNING, AFTERNOON, ANY = (WINDOWS[w][1] for w in ("morning", "afternoon", "any"))


def due(schedule, when, hours, window, **kw):
    return promises.due_at(schedule, berlin(when), hours, window, **kw).astimezone(BERLIN).strftime("%a %Y-%m-%d %H:%M")


def test_default_windows_keep_the_digits_and_any_time_is_three():
    assert {wid: digit for wid, (digit, _) in WINDOWS.items()} == {"morning": 1, "afternoon": 2, "any": 3}
    assert ANY is None
    assert [promises.by_digit(WINDOWS, key) for key in ("1", 2, "3", None, "", "9")] == [
        "morning", "afternoon", "any", "any", "any", "any"]


@pytest.mark.parametrize("window, expected", [
    (ANY, "Mon 2026-11-30 15:59"),  # 1 minute on Friday, 7:59 on Monday
    (AFTERNOON, "Mon 2026-11-30 16:00"),  # the afternoon slot that holds the plain due time ends at closing
    (MORNING, "Tue 2026-12-01 12:00"),  # Monday 15:59 is past the morning: the next morning's end
])
def test_friday_1559_at_a_desk_promising_8_service_hours(window, expected):
    assert due(INFO, "2026-11-27 15:59", 8, window) == expected


def test_friday_1559_with_24_service_hours_is_due_wednesday_and_the_day_spoken_is_wednesday():
    at = berlin("2026-11-27 15:59")
    assert due(ZEBERA, "2026-11-27 15:59", 24, ANY) == "Wed 2026-12-02 15:59"
    day = promises.promised_day(promises.due_at(ZEBERA, at, 24, ANY), BERLIN)
    assert day == date(2026, 12, 2)  # "Wir rufen Sie bis Mittwoch, 2. Dezember, zurück"


def test_saturday_afternoon_is_counted_from_monday_opening():
    assert due(ZEBERA, "2026-11-28 15:00", 24, ANY) == "Wed 2026-12-02 16:00"
    assert due(ZEBERA, "2026-11-28 15:00", 24, MORNING) == "Thu 2026-12-03 12:00"


def test_before_christmas_heiligabend_and_the_holidays_are_skipped():
    # Wednesday 23 Dec 15:00: one hour left; 24 Dec closure day, 25 and 26 holidays, then the weekend
    assert due(INFO, "2026-12-23 15:00", 8, ANY) == "Mon 2026-12-28 15:00"
    assert due(INFO, "2026-12-23 15:00", 8, AFTERNOON) == "Mon 2026-12-28 16:00"
    assert due(INFO, "2026-12-23 15:00", 8, MORNING) == "Tue 2026-12-29 12:00"
    # before New Year: Silvester is a closure day, 1 January a holiday
    assert due(INFO, "2026-12-30 12:00", 8, ANY) == "Mon 2027-01-04 12:00"


def test_before_a_public_holiday_all_saints_day():
    # Friday 30 Oct 2026 14:00; Sunday 1 Nov is All Saints' Day (no working day lost), so Monday counts
    assert due(INFO, "2026-10-30 14:00", 8, ANY) == "Mon 2026-11-02 14:00"
    # Wednesday before Ascension (Thu 14 May 2026): Thursday is skipped
    assert due(INFO, "2026-05-13 12:00", 8, ANY) == "Fri 2026-05-15 12:00"


def test_rosenmontag_afternoon_closure_day_counts_nothing_after_noon():
    # Monday 8 Feb 2027 is closed from 12:00: a caller at 13:00 is counted from Tuesday 08:00
    assert due(INFO, "2027-02-08 13:00", 8, ANY) == "Tue 2027-02-09 16:00"
    assert due(INFO, "2027-02-08 11:00", 8, ANY) == "Tue 2027-02-09 15:00"  # one hour on Monday morning
    assert due(ZEBERA, "2027-02-08 13:00", 24, AFTERNOON) == "Thu 2027-02-11 18:00"  # Thursday until 18:00


def test_rosenmontag_afternoon_is_no_slot_for_an_afternoon_window():
    # Friday 5 Feb 2027 09:00 + 8 h = Monday 09:00 (Friday 7 h, Monday 1 h); Monday afternoon is closed
    assert due(INFO, "2027-02-05 09:00", 8, ANY) == "Mon 2027-02-08 09:00"
    assert due(INFO, "2027-02-05 09:00", 8, AFTERNOON) == "Tue 2027-02-09 16:00"
    assert due(INFO, "2027-02-05 09:00", 8, MORNING) == "Mon 2027-02-08 12:00"


def test_during_an_operator_closure_the_promise_counts_from_reopening():
    at = berlin("2026-11-24 10:00")  # Tuesday
    reopen = berlin("2026-11-25 12:00")
    plain = promises.due_at(INFO, at, 8, ANY)
    closed = promises.due_at(INFO, at, 8, ANY, closed_until=reopen)
    assert plain.astimezone(BERLIN).strftime("%a %H:%M") == "Wed 10:00"
    assert closed.astimezone(BERLIN).strftime("%a %H:%M") == "Thu 12:00"
    assert promises.due_at(INFO, at, 8, ANY, closed_until=at - timedelta(hours=1)) == plain  # closure over


def test_a_window_never_shortens_the_promise():
    for when in ("2026-11-23 08:00", "2026-11-24 11:59", "2026-11-26 17:30", "2026-11-27 12:00", "2026-11-29 10:00"):
        plain = promises.due_at(ZEBERA, berlin(when), 24, ANY)
        for window in (MORNING, AFTERNOON):
            windowed = promises.due_at(ZEBERA, berlin(when), 24, window)
            assert plain <= windowed <= plain + timedelta(days=4)
            assert promises.in_window(ZEBERA, window, windowed - timedelta(seconds=1))


def desk_with(windows):
    return SimpleNamespace(windows={wid: SimpleNamespace(**w) for wid, w in windows.items()})


def test_a_desks_own_window_takes_its_digit_and_the_other_default_stays():
    own = promises.windows(desk_with({"thu_evening": {"digit": 2, "hours": {"thu": ["16:00-18:00"]}}}))
    assert {wid: digit for wid, (digit, _) in own.items()} == {"morning": 1, "thu_evening": 2, "any": 3}
    assert promises.by_digit(own, "2") == "thu_evening"
    evening = own["thu_evening"][1]
    # Monday 10:00 + 24 service hours = Thursday 10:00: due at the end of that Thursday evening
    assert due(ZEBERA, "2026-11-23 10:00", 24, evening) == "Thu 2026-11-26 18:00"
    # Friday: the next Thursday evening, not 24 hours of Thursday evenings (twelve weeks)
    assert due(ZEBERA, "2026-11-27 10:00", 24, evening) == "Thu 2026-12-03 18:00"
    assert promises.next_in_window(ZEBERA, evening, berlin("2026-11-27 10:00")) == berlin("2026-12-03 16:00")
    assert promises.in_window(ZEBERA, evening, berlin("2026-11-26 17:00"))
    assert not promises.in_window(ZEBERA, evening, berlin("2026-11-26 15:00"))
    assert not promises.in_window(ZEBERA, evening, berlin("2026-11-27 17:00"))


def test_a_window_the_desk_never_opens_for_falls_back_to_the_plain_promise():
    sunday = promises.parse_ranges({"sun": ["10:00-12:00"]})
    assert due(ZEBERA, "2026-11-23 10:00", 24, sunday) == due(ZEBERA, "2026-11-23 10:00", 24, ANY)
    assert promises.next_in_window(ZEBERA, sunday, berlin("2026-11-23 10:00")) is None


def test_outside_hours_names_window_ranges_beyond_the_desks_hours():
    hours = CONFIG.desks["info"].hours
    assert promises.outside_hours(hours, {"thu": ["16:00-18:00"], "mon": ["08:00-12:00"]}) == []
    assert promises.outside_hours(hours, {"thu": ["16:00-19:00"], "sat": ["10:00-12:00"], "fri": ["17:00-24:00"]}) == [
        "thu 16:00-19:00", "fri 17:00-24:00", "sat 10:00-12:00"]


def test_in_window_honours_holidays_and_hours():
    assert promises.in_window(INFO, MORNING, berlin("2026-11-24 09:00"))
    assert not promises.in_window(INFO, AFTERNOON, berlin("2026-11-24 09:00"))
    assert promises.in_window(INFO, ANY, berlin("2026-11-24 15:00"))
    assert not promises.in_window(INFO, ANY, berlin("2026-12-24 09:00"))  # Heiligabend
    assert not promises.in_window(INFO, MORNING, berlin("2026-11-24 07:30"))  # before opening


INFO_DESK = """  info:
    name: {de: Allgemeine Information, en: General information}
"""
EVENING = """    windows:
      thu_evening: {digit: 2, hours: {thu: ["16:00-18:00"]}, name: {de: Donnerstagabend}}
"""


def _config_with(tmp_path, windows: str):
    from pathlib import Path

    text = Path(DEFAULT_CONFIG).read_text()
    assert INFO_DESK in text
    path = tmp_path / "config.yaml"
    path.write_text(text.replace(INFO_DESK, INFO_DESK + windows, 1))
    return path


def test_a_desks_own_window_in_config_is_read_and_passes_the_flows_check(tmp_path):
    from ivr.flowops.check import check
    from ivr.flowops.check import sources_for

    path = _config_with(tmp_path, EVENING)
    config = load_config(path)
    found = promises.windows(config.desks["info"])
    assert {wid: digit for wid, (digit, _) in found.items()} == {"morning": 1, "thu_evening": 2, "any": 3}
    assert config.desks["info"].windows["thu_evening"].name == {"de": "Donnerstagabend"}
    assert promises.windows(config.desks["zebera"]) == promises.DEFAULT_WINDOWS
    assert [p for p in check(path, sources_for("flows"), "ivr/static/audio").errors() if p.file == "config.yaml"] == []


def test_the_flows_check_refuses_a_window_outside_the_desks_hours(tmp_path):
    from ivr.flowops.check import check
    from ivr.flowops.check import sources_for

    path = _config_with(tmp_path, EVENING.replace("16:00-18:00", "17:00-19:00"))
    report = check(path, sources_for("flows"), "ivr/static/audio")
    assert report.bundle is None
    assert [p.message for p in report.errors() if p.file == "config.yaml"] == [
        "desks.info.windows.thu_evening: thu 17:00-19:00 is outside the desk's hours"]


@pytest.mark.parametrize("windows, finding", [
    (EVENING.replace("digit: 2", "digit: 3"), "digit"),
    (EVENING.replace("thu_evening", "any"), "not 'any'"),
    (EVENING.replace("thu_evening", "Thu-Evening"), "lower-case"),
    (EVENING + "      sat: {digit: 2, hours: {fri: [\"08:00-10:00\"]}}\n", "share a key"),
    (EVENING.replace("16:00-18:00", "18:00-16:00"), "must look like"),
    (EVENING.replace('{thu: ["16:00-18:00"]}', "{}"), "needs hours"),
])
def test_a_broken_window_config_is_named(tmp_path, windows, finding):
    from ivr.core.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        load_config(_config_with(tmp_path, windows))
    assert "desks.info.windows" in str(info.value) and finding in str(info.value), str(info.value)
