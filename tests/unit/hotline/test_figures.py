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


# --- the live queue ---


def _live(engine, clock, desks=("info", "helpers")):
    from tests.support.clock import BERLIN

    with engine.connect() as conn:
        return {figure.desk: figure for figure in figures.live(conn, clock(), BERLIN, list(desks))}


def test_live_counts_waiting_callers_by_language_and_people_by_state(engine, clock):
    from tests.support.livequeue import scene

    with engine.begin() as conn:
        scene(conn, clock())
    info = _live(engine, clock)["info"]
    assert info.waiting == {"ar": 2, "de": 1} and info.waiting_total == 3
    assert info.longest_wait_s == 90
    # anna available, dora busy (being offered), carl in wrap-up, bert paused (missed); emil signed out, fritz
    # never set: not counted
    assert info.agents == {"available": 1, "busy": 1, "wrap_up": 1, "paused": 1}


def test_live_today_service_level_leaves_out_short_hang_ups_and_undecided_callers(engine, clock):
    from tests.support.livequeue import scene

    with engine.begin() as conn:
        scene(conn, clock())
    info = _live(engine, clock)["info"]
    assert (info.offered, info.answered, info.within) == (8, 2, 1)  # yesterday's caller is not today's
    assert (info.abandoned, info.short_abandoned, info.missed) == (2, 1, 1)
    assert info.decided == 6  # 8 minus the 3-second hang-up and the caller waiting 10 s so far
    assert info.service_level == 1 / 6
    # waits decided today: 20 (quick), 45 (slow), 3 (misdial), 40 (gaveup), 10 (callback)
    assert (info.wait_count, info.wait_sum) == (5, 118)
    assert dict(zip(figures.WAIT_BUCKETS, info.wait_buckets, strict=True)) == {
        5: 1, 10: 2, 15: 2, 30: 3, 60: 5, 120: 5, 300: 5, 600: 5}


def test_live_a_caller_turns_decided_after_30_seconds_and_wrap_up_ends_on_its_own(engine, clock):
    from tests.support.livequeue import scene

    with engine.begin() as conn:
        scene(conn, clock())
    clock.now += timedelta(seconds=41)
    info = _live(engine, clock)["info"]
    assert info.decided == 7 and info.longest_wait_s == 131
    assert info.agents == {"available": 2, "busy": 1, "wrap_up": 0, "paused": 1}  # carl's 60 s are over


def test_live_a_desk_without_callers_or_people_has_zeros_and_no_level(engine, clock):
    from tests.support.livequeue import scene

    with engine.begin() as conn:
        scene(conn, clock())
    live = _live(engine, clock, ("helpers", "zebera"))
    assert list(live) == ["helpers", "zebera"]
    helpers = live["helpers"]
    assert helpers.waiting == {} and helpers.longest_wait_s == 0 and helpers.service_level is None
    assert helpers.agents == {"available": 0, "busy": 0, "wrap_up": 1, "paused": 0}  # carl works both desks
    assert live["zebera"].agents == dict.fromkeys(figures.AGENT_STATES, 0)


def test_live_json_holds_counts_only(engine, clock):
    from tests.support.livequeue import PHONES
    from tests.support.livequeue import scene

    with engine.begin() as conn:
        scene(conn, clock())
    body = figures.live_json(_live(engine, clock)["info"])
    assert body["waiting"] == 3 and body["longest_wait_s"] == 90
    assert body["agents"] == {"available": 1, "busy": 1, "wrap_up": 1, "paused": 1}
    assert body["today"]["service_level"] == round(1 / 6, 4)
    assert body["today"]["abandoned"] == 2 and body["today"]["offers_missed"] == 1
    assert not any(number in str(body) for number in PHONES.values())
    assert "CA" not in str(body)


def test_live_yesterday_evening_is_not_today_in_berlin(engine, clock):
    from ivr.hotline import queueing
    from tests.support.clock import berlin

    with engine.begin() as conn:
        queueing.join(conn, "CAlate", "info", "de", berlin("2026-11-23 23:59"))
        queueing.finish(conn, "CAlate", "abandoned", berlin("2026-11-24 00:00:30"))
        queueing.join(conn, "CAearly", "info", "de", berlin("2026-11-24 00:00:10"))
        queueing.finish(conn, "CAearly", "abandoned", berlin("2026-11-24 00:01"))
    assert _live(engine, clock)["info"].abandoned == 1
