"""Office hours: open/closed, holidays, closure days, next opening and due times in service hours."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ivr.engine.hours import Closure
from ivr.hotline.officehours import build_schedules
from ivr.settings import ROOT
from ivr.settings import load_config
from tests.support.clock import BERLIN
from tests.support.clock import berlin


@pytest.fixture(scope="module")
def info():
    return build_schedules(load_config(ROOT / "config.yaml"))["info"]


@pytest.mark.parametrize(("when", "is_open", "reason"), [
    ("2026-11-24 07:59", False, "hours"),
    ("2026-11-24 08:00", True, "open"),
    ("2026-11-24 15:59", True, "open"),
    ("2026-11-24 16:00", False, "hours"),
    ("2026-11-26 17:30", True, "open"),  # Thursday until 18:00
    ("2026-11-28 10:00", False, "hours"),  # Saturday
    ("2026-12-25 10:00", False, "holiday"),  # 1. Weihnachtstag
    ("2026-12-24 10:00", False, "closure_day"),  # Heiligabend from config
    ("2027-02-08 11:00", True, "open"),  # Rosenmontag morning
    ("2027-02-08 12:30", False, "closure_day"),  # Rosenmontag afternoon
    ("2026-06-04 10:00", False, "holiday"),  # Fronleichnam, a holiday in NRW
])
def test_status(info, when, is_open, reason):
    status = info.status(berlin(when))
    assert (status.open, status.reason) == (is_open, reason)


def test_next_open_after_christmas(info):
    nxt = info.next_open(berlin("2026-12-23 17:00"))
    assert nxt.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") == "2026-12-28 08:00"


def test_next_open_is_now_when_open(info):
    now = berlin("2026-11-24 10:00")
    assert info.next_open(now) == now


def test_operator_closure_wins_and_reports_next_opening(info):
    now = berlin("2026-11-24 10:00")
    closure = Closure(until=berlin("2026-11-25 12:00"), reason="Personalversammlung")
    status = info.status(now, closure)
    assert not status.open and status.reason == "operator"
    assert status.next_open == berlin("2026-11-25 12:00")


def test_expired_closure_is_ignored(info):
    now = berlin("2026-11-24 10:00")
    assert info.status(now, Closure(until=now - timedelta(minutes=1))).open


def test_due_time_friday_afternoon_plus_eight_service_hours_is_monday(info):
    due = info.add_service_hours(berlin("2026-11-27 15:00"), 8)
    assert due == berlin("2026-11-30 15:00")


def test_due_time_skips_holidays(info):
    due = info.add_service_hours(berlin("2026-12-23 15:00"), 8)  # 24th closed, 25/26 holidays, weekend
    assert due == berlin("2026-12-28 15:00")


def test_due_time_outside_hours_starts_at_next_opening(info):
    assert info.add_service_hours(berlin("2026-11-24 20:00"), 2) == berlin("2026-11-25 10:00")


def test_service_seconds_between(info):
    assert info.service_seconds_between(berlin("2026-11-27 15:00"), berlin("2026-11-30 15:00")) == 8 * 3600
