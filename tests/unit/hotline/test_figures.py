"""Dashboard figures against the seeded data set with known answers; they survive the retention clean-up."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from ivr.hotline import figures
from ivr.hotline import privacy
from ivr.hotline.figures import Period
from ivr.hotline.figures import ServiceLevel
from ivr.store.db import callbacks
from ivr.store.db import calls
from tests.support.clock import berlin
from tests.support.seeded import TASKS

PERIOD = Period.last_days(date(2026, 11, 24))


def test_period():
    assert PERIOD == Period(date(2026, 10, 26), date(2026, 11, 24))
    assert len(PERIOD.days()) == 30
    assert Period.month(2026, 12) == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert Period.month(2027, 2).end == date(2027, 2, 28)


def test_calls_per_day_and_desk(engine, seeded):
    with engine.connect() as conn:
        assert figures.calls_per_day(conn, PERIOD) == {
            (date(2026, 11, 24), "auslaenderbehoerde"): 3, (date(2026, 11, 24), "info"): 1,
            (date(2026, 11, 24), "-"): 1, (date(2026, 11, 23), "zebera"): 2, (date(2026, 11, 23), "-"): 1,
            (date(2026, 11, 20), "info"): 1}


def test_outcome_language_and_weekday_hour(engine, seeded):
    with engine.connect() as conn:
        assert figures.outcome_mix(conn, PERIOD) == {"abandoned": 3, "transferred": 3,
                                                     "callback_requested": 1, "error": 1, "open": 1}
        assert figures.language_mix(conn, PERIOD) == {"de": 5, "tr": 2, "-": 1, "ar": 1}
        assert figures.weekday_hour(conn, PERIOD) == {(1, 10): 5, (0, 9): 3, (4, 15): 1}


def test_open_and_overdue_callbacks(engine, seeded):
    with engine.connect() as conn:
        assert figures.open_callbacks(conn, berlin("2026-11-24 10:00")) == {"info": (2, 1)}
        assert figures.open_callbacks(conn, berlin("2026-11-25 09:30")) == {"info": (2, 2)}


def test_service_level_per_desk_and_week(engine, seeded):
    with engine.connect() as conn:
        levels = figures.service_level(conn, PERIOD, berlin("2026-11-24 10:00"))
    assert levels == [ServiceLevel("info", "2026-W47", 3, 1), ServiceLevel("info", "2026-W48", 0, 0),
                      ServiceLevel("zebera", "2026-W47", 1, 1)]
    assert levels[0].share == 1 / 3 and levels[1].share is None


def test_within_promise_is_counted_in_service_hours(engine, seeded, settings):
    """closed_at <= due_at agrees with Schedule.service_seconds_between for every closed task."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(callbacks).where(callbacks.c.status == "closed")).mappings().all()
    assert len(rows) == sum(1 for t in TASKS if t[2] is not None)
    for row in rows:
        promise = settings.desks[row["desk"]].callback_promise_hours * 3600
        spent = seeded[row["desk"]].service_seconds_between(row["created_at"], row["closed_at"])
        assert (spent <= promise) == (row["closed_at"] <= row["due_at"])


def test_figures_survive_retention(engine, seeded, settings):
    now = berlin("2026-11-24 10:00")
    with engine.connect() as conn:
        before = [f(conn, PERIOD) for f in (figures.calls_per_day, figures.outcome_mix, figures.language_mix,
                                            figures.weekday_hour)]
        before_level = figures.service_level(conn, PERIOD, now)
        before_rows = figures.month_rows(conn, Period.month(2026, 11), now)
    report = privacy.apply_retention(engine, settings, now + timedelta(days=3650))  # every period has ended
    assert report["caller_numbers_pseudonymised"] == 14 and report["closed_tasks_stripped"] == 3
    with engine.begin() as conn:  # and what erasure on request may do beyond that
        conn.execute(calls.update().values(caller=None, caller_hash=None, path="[]"))
        conn.execute(callbacks.update().values(phone=None, recording_url=None, recording_sid=None))
    with engine.connect() as conn:
        after = [f(conn, PERIOD) for f in (figures.calls_per_day, figures.outcome_mix, figures.language_mix,
                                           figures.weekday_hour)]
        assert after == before
        assert figures.service_level(conn, PERIOD, now) == before_level
        assert figures.month_rows(conn, Period.month(2026, 11), now) == before_rows


def test_month_rows_hold_no_personal_data(engine, seeded):
    with engine.connect() as conn:
        rows = figures.month_rows(conn, Period.month(2026, 11), berlin("2026-11-24 10:00"))
    text = repr(rows)
    assert "4917" not in text and "CA0" not in text
    assert ("outcome", "2026-11", "", "transferred", "3") in rows
    assert ("calls_per_day", "2026-11-23", "zebera", "calls", "2") in rows
    assert ("service_level", "2026-W47", "info", "share", "0.333") in rows
    assert ("weekday_hour", "2026-11", "", "1-10", "5") in rows
