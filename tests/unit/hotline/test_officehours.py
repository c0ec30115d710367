"""Desk schedules from config: holidays of the configured state, the house's closure days, operator closures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ivr.engine.hours import Closure
from ivr.hotline.closures import HOUSE
from ivr.hotline.closures import Snapshot
from ivr.hotline.officehours import build_schedules
from ivr.hotline.officehours import desk_status
from ivr.hotline.officehours import overflow_number
from tests.support.clock import berlin

NONE = Snapshot(desks={}, announcement=None, overflow=None)


@pytest.fixture
def schedules(settings):
    return build_schedules(settings.config)


@pytest.mark.parametrize("when, reason", [("2026-11-24 10:00", "open"), ("2026-11-24 17:00", "hours"),
                                          ("2026-11-01 10:00", "holiday"),  # All Saints' Day: a holiday in NRW
                                          ("2026-12-24 10:00", "closure_day"),
                                          ("2027-02-08 11:00", "open"), ("2027-02-08 12:30", "closure_day")])
def test_hours_holidays_and_closure_days(schedules, when, reason):
    status = desk_status(schedules, NONE, "zebera", berlin(when))
    assert (status.open, status.reason) == (reason == "open", reason)


def test_an_operator_closure_of_the_desk_or_the_house_closes_it(schedules):
    now = berlin("2026-11-24 10:00")
    closure = Closure(until=now + timedelta(hours=2), reason="Betriebsversammlung")
    for snapshot in (Snapshot(desks={"zebera": closure}, announcement=None, overflow=None),
                     Snapshot(desks={HOUSE: closure}, announcement=None, overflow=None)):
        status = desk_status(schedules, snapshot, "zebera", now)
        assert (status.open, status.reason, status.closure) == (False, "operator", closure)
    only_zebera = Snapshot(desks={"zebera": closure}, announcement=None, overflow=None)
    assert desk_status(schedules, only_zebera, "helpers", now).open


def test_overflow_number_only_when_every_desk_in_hours_is_closed_by_an_operator(schedules):
    now = berlin("2026-11-24 10:00")
    closure = Closure(until=now + timedelta(hours=2))
    overflow = ("+4920212345", now + timedelta(hours=2))
    assert overflow_number(schedules, Snapshot(desks={HOUSE: closure}, announcement=None, overflow=overflow),
                           now) == "+4920212345"
    assert overflow_number(schedules, Snapshot(desks={"zebera": closure}, announcement=None, overflow=overflow),
                           now) is None  # other desks still answer
    assert overflow_number(schedules, Snapshot(desks={HOUSE: closure}, announcement=None, overflow=None), now) is None
    night = berlin("2026-11-24 22:00")
    assert overflow_number(schedules, Snapshot(desks={HOUSE: closure}, announcement=None, overflow=overflow),
                           night) is None  # out of hours the desks are closed anyway: no overflow
