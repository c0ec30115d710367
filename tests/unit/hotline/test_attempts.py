"""Callback attempts: a desk's own limits, the spacing in service hours, and the next attempt inside the desk's
hours and the caller's window — across a weekend and a holiday."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ivr.hotline import attempts
from ivr.hotline import callbacks
from ivr.hotline import promises
from ivr.hotline import users
from ivr.hotline import worklist
from ivr.hotline.officehours import build_schedules
from ivr.hotline.worklist import Attempt
from tests.support.clock import berlin


@pytest.fixture
def schedule(settings):
    return build_schedules(settings.config)["zebera"]  # Mon-Fri 08:00-16:00, Thursday until 18:00


def _with_desk(settings, desk: str, **values):
    desks = dict(settings.config.desks)
    desks[desk] = desks[desk].model_copy(update=values)
    return settings.model_copy(update={"config": settings.config.model_copy(update={"desks": desks})})


def test_a_desk_without_its_own_limits_has_the_houses(settings):
    assert attempts.limits(settings, "zebera") == attempts.Limits(3, 120)


def test_a_desks_own_attempts_and_spacing_come_first(settings):
    own = _with_desk(settings, "zebera", attempts=5, attempt_spacing_minutes=240)
    assert attempts.limits(own, "zebera") == attempts.Limits(5, 240)
    assert attempts.limits(own, "info") == attempts.Limits(3, 120)
    half = _with_desk(settings, "info", attempts=1)
    assert attempts.limits(half, "info") == attempts.Limits(1, 120)


def test_the_spacing_counts_service_hours_across_a_weekend(schedule):
    friday = berlin("2026-11-27 15:00")  # one service hour left on Friday
    assert attempts.earliest_next(schedule, None, friday, 120) == berlin("2026-11-30 09:00")  # Monday


def test_a_morning_caller_is_tried_again_the_next_morning(schedule):
    ranges = attempts.window_ranges(None, "morning")
    friday = berlin("2026-11-27 11:00")  # two service hours later is 13:00: afternoon, then the weekend
    assert attempts.earliest_next(schedule, ranges, friday, 120) == berlin("2026-11-30 08:00")
    monday = berlin("2026-11-30 08:30")
    assert attempts.earliest_next(schedule, ranges, monday, 120) == berlin("2026-11-30 10:30")


def test_an_afternoon_caller_waits_for_the_afternoon(schedule):
    ranges = attempts.window_ranges(None, "afternoon")
    assert attempts.next_allowed(schedule, ranges, berlin("2026-11-30 08:00")) == berlin("2026-11-30 12:00")
    assert attempts.next_allowed(schedule, ranges, berlin("2026-11-30 13:15")) == berlin("2026-11-30 13:15")
    friday_late = berlin("2026-11-27 15:30")  # two service hours later is Monday 09:30: then noon
    assert attempts.earliest_next(schedule, ranges, friday_late, 120) == berlin("2026-11-30 12:00")


def test_a_holiday_is_skipped_in_the_window_too(schedule):
    ranges = attempts.window_ranges(None, "morning")
    # Thursday 24 December is a closure day, 25 and 26 are holidays: the next morning is Monday 28th
    assert attempts.next_allowed(schedule, ranges, berlin("2026-12-23 12:30")) == berlin("2026-12-28 08:00")


def test_any_time_and_old_tasks_are_the_desks_hours(schedule):
    assert attempts.window_ranges(None, "any") is None
    assert attempts.window_ranges(None, None) is None
    saturday = berlin("2026-11-28 10:00")
    assert attempts.next_allowed(schedule, None, saturday) == berlin("2026-11-30 08:00")
    assert attempts.in_window(schedule, None, berlin("2026-11-30 15:00"))
    assert not attempts.in_window(schedule, attempts.window_ranges(None, "morning"), berlin("2026-11-30 15:00"))


def test_a_desks_own_window(settings, schedule):
    class Window:
        digit, hours = 1, {"thu": ["16:00-18:00"]}

    class Desk:
        windows = {"thursday_evening": Window()}

    ranges = attempts.window_ranges(Desk(), "thursday_evening")
    assert attempts.next_allowed(schedule, ranges, berlin("2026-11-30 09:00")) == berlin("2026-12-03 16:00")
    assert attempts.window_ranges(Desk(), "afternoon") == promises.DEFAULT_WINDOWS["afternoon"][1]  # the house's
    assert attempts.window_ranges(Desk(), "morning") is None  # its key 1 is the desk's own now: any time


def test_a_logged_attempt_keeps_the_spacing_and_the_window(engine, clock, schedule):
    clock.set("2026-11-27 11:00")  # Friday morning
    with engine.begin() as conn:
        anna = users.load(conn, users.create(conn, "anna", "a long test password", "staff", clock()))
        task_id, _ = callbacks.create(conn, "zebera", "+4917612345678", "de", "CA" + "1" * 32, clock(),
                                      clock() + timedelta(hours=24))
        morning = attempts.window_ranges(None, "morning")
        early = berlin("2026-11-27 11:30")  # staff chose a time before the spacing is over: the spacing wins
        worklist.log_attempt(conn, callbacks.get(conn, task_id), anna, Attempt("no_answer", "", False, early),
                             clock(), schedule, 120, 3, morning)
        row = callbacks.get(conn, task_id)
        assert row["next_attempt_at"] == berlin("2026-11-30 08:00")
        assert not attempts.may_start(row, clock())
        assert attempts.may_start(row, berlin("2026-11-30 08:00"))
        later = berlin("2026-12-01 14:00")  # a later choice stays, moved into the morning it asked for
        worklist.log_attempt(conn, callbacks.get(conn, task_id), anna, Attempt("busy", "", False, later),
                             clock(), schedule, 120, 3, morning)
        assert callbacks.get(conn, task_id)["next_attempt_at"] == berlin("2026-12-02 08:00")


def test_the_next_attempt_from_is_none_when_now_suits(schedule):
    monday = berlin("2026-11-30 10:00")
    morning, afternoon = attempts.window_ranges(None, "morning"), attempts.window_ranges(None, "afternoon")
    assert attempts.next_from(schedule, morning, {"next_attempt_at": None}, monday) is None
    assert attempts.next_from(schedule, afternoon, {"next_attempt_at": None}, monday) == berlin("2026-11-30 12:00")
    spaced = {"next_attempt_at": berlin("2026-11-30 11:30")}
    assert attempts.next_from(schedule, None, spaced, monday) == berlin("2026-11-30 11:30")
    assert attempts.next_from(schedule, afternoon, spaced, monday) == berlin("2026-11-30 12:00")
    assert attempts.next_from(schedule, morning, spaced, berlin("2026-11-30 11:45")) is None  # spacing over
