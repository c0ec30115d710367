"""A small seeded data set with known dashboard figures (calls and callback tasks)."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

import pytest

from ivr.hotline.officehours import build_schedules
from ivr.store.db import callbacks
from ivr.store.db import calls
from tests.support.clock import BERLIN
from tests.support.clock import berlin

# (local start, desk, outcome, language, how many)
CALLS = [
    ("2026-11-24 10:05", "auslaenderbehoerde", "transferred", "de", 3),
    ("2026-11-24 10:20", "info", "callback_requested", "ar", 1),
    ("2026-11-24 10:40", None, None, "de", 1),  # still running
    ("2026-11-23 09:10", "zebera", "abandoned", "tr", 2),
    ("2026-11-23 09:50", None, "abandoned", None, 1),  # hung up at the greeting
    ("2026-11-20 15:30", "info", "error", "de", 1),
    ("2026-10-20 11:00", "auslaenderbehoerde", "transferred", "de", 5),  # outside the last 30 days
]
# (desk, local creation, closed after hours or None for open)
TASKS = [
    ("info", "2026-11-16 10:00", 1),  # closed within the promise (8 service hours)
    ("info", "2026-11-16 10:00", 25),  # closed an hour after its due time (Tue 10:00)
    ("info", "2026-11-18 10:00", None),  # open and overdue since Thu 10:00
    ("info", "2026-11-24 09:00", None),  # open, due Wed 09:00: not decided yet
    ("zebera", "2026-11-17 09:00", 2),
]


def _insert_call(conn, number: int, local: datetime, desk, outcome, language) -> None:
    started = local.astimezone(BERLIN)
    conn.execute(calls.insert().values(
        call_sid=f"CA{number:032x}", caller="+4917612345678", caller_hash="h" * 64, language=language,
        path="[]",
        desk=desk, outcome=outcome, status="completed", status_rank=9, started_at=started,
        local_date=started.date(), local_weekday=started.weekday(), local_hour=started.hour,
        created_at=started, updated_at=started))


@pytest.fixture
def seeded(engine, settings):
    """Insert the data set; return the schedules used for due times."""
    schedules = build_schedules(settings.config)
    with engine.begin() as conn:
        number = 0
        for local, desk, outcome, language, count in CALLS:
            for _ in range(count):
                number += 1
                _insert_call(conn, number, berlin(local), desk, outcome, language)
        for i, (desk, local, closed_after) in enumerate(TASKS):
            created = berlin(local)
            due = schedules[desk].add_service_hours(created, settings.desks[desk].callback_promise_hours)
            closed = created + timedelta(hours=closed_after) if closed_after is not None else None
            conn.execute(callbacks.insert().values(
                desk=desk, phone=f"+4917600000{i:03d}", language="de", call_sid=f"CB{i}",
                status="closed" if closed else "open", outcome="reached" if closed else None, attempts=1,
                created_at=created, due_at=due, closed_at=closed, updated_at=closed or created,
                local_date=created.astimezone(BERLIN).date()))
    return schedules
