"""Server-side staff sessions: a token opens one until it expires or is ended; the table holds no usable token."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ivr.hotline import staff_sessions
from ivr.hotline import users
from ivr.store.db import staff_sessions as sessions_table

HOUR = timedelta(hours=1)


def test_a_session_lives_until_it_expires_or_ends(engine, clock):
    with engine.begin() as conn:
        anna = users.create(conn, "anna", "a long test password", "staff", clock())
        first = staff_sessions.open_session(conn, anna, clock(), HOUR)
        second = staff_sessions.open_session(conn, anna, clock(), 2 * HOUR)
        assert first != second
        assert staff_sessions.user_of(conn, first, clock()) == anna
        assert staff_sessions.user_of(conn, first, clock() + HOUR) is None  # expired
        assert staff_sessions.user_of(conn, second, clock() + HOUR) == anna
        stored = conn.execute(sa.select(sessions_table.c.token_hash)).scalars().all()
        assert first not in stored and second not in stored
        staff_sessions.end(conn, second)
        assert staff_sessions.user_of(conn, second, clock()) is None
        assert staff_sessions.user_of(conn, "made-up", clock()) is None


def test_end_all_and_a_new_login_clear_old_records(engine, clock):
    with engine.begin() as conn:
        anna = users.create(conn, "anna", "a long test password", "staff", clock())
        bert = users.create(conn, "bert", "a long test password", "staff", clock())
        tokens = [staff_sessions.open_session(conn, anna, clock(), HOUR) for _ in range(2)]
        kept = staff_sessions.open_session(conn, bert, clock(), 3 * HOUR)
        assert staff_sessions.end_all(conn, anna) == 2
        assert all(staff_sessions.user_of(conn, t, clock()) is None for t in tokens)
        staff_sessions.open_session(conn, bert, clock(), HOUR)
        staff_sessions.open_session(conn, bert, clock() + 2 * HOUR, HOUR)  # drops the one expired by then
        assert conn.execute(sa.select(sa.func.count()).select_from(sessions_table)).scalar() == 2
        assert staff_sessions.user_of(conn, kept, clock() + 2 * HOUR) == bert
