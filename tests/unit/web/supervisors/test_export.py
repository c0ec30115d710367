"""The dashboard CSV's source: figures.per_day against the seeded data set; it survives the retention clean-up."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from ivr.hotline import figures
from ivr.hotline import privacy
from ivr.hotline.figures import Period
from ivr.store.db import callbacks
from ivr.store.db import calls
from tests.support.clock import berlin

MONTH = Period.month(2026, 11)
NOW = berlin("2026-11-24 10:00")


def test_per_day_counts_calls_and_callbacks_of_each_day(engine, seeded):
    with engine.connect() as conn:
        days = figures.per_day(conn, MONTH, NOW)
    assert sorted(days) == MONTH.days()
    assert days[date(2026, 11, 24)] == {"desk:auslaenderbehoerde": 3, "desk:info": 1, "desk:-": 1,
                                        "outcome:transferred": 3, "outcome:callback_requested": 1, "outcome:open": 1,
                                        "language:de": 4, "language:ar": 1,
                                        "callbacks:info": 1, "decided:info": 0, "within:info": 0}
    assert days[date(2026, 11, 23)] == {"desk:zebera": 2, "desk:-": 1, "outcome:abandoned": 3, "language:tr": 2,
                                        "language:-": 1}
    # two tasks of Monday 16th: one closed within its promise, one an hour late
    assert days[date(2026, 11, 16)] == {"callbacks:info": 2, "decided:info": 2, "within:info": 1}
    assert days[date(2026, 11, 18)] == {"callbacks:info": 1, "decided:info": 1, "within:info": 0}  # open, overdue
    assert dict(days[date(2026, 11, 1)]) == {}
    assert "4917" not in repr(days)


def test_per_day_survives_retention_and_erasure(engine, seeded, settings):
    with engine.connect() as conn:
        before = figures.per_day(conn, MONTH, NOW)
    privacy.apply_retention(engine, settings, NOW + timedelta(days=3650))
    with engine.begin() as conn:
        conn.execute(calls.update().values(caller=None, caller_hash=None, path="[]"))
        conn.execute(callbacks.update().values(phone=None, recording_url=None, recording_sid=None))
    with engine.connect() as conn:
        assert figures.per_day(conn, MONTH, NOW) == before
