"""`ivr retention run`: applies the rules now (the process clock) and prints what changed as JSON."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from ivr.hotline import callbacks
from ivr.store.db import callbacks as callbacks_table


def _closed_task(engine, closed_days_ago: int, sid: str) -> int:
    when = datetime.now(UTC) - timedelta(days=closed_days_ago)
    with engine.begin() as conn:
        task_id, _ = callbacks.create(conn, "zebera", "+4917612345678", "de", sid, when, when + timedelta(hours=4))
        callbacks.close(conn, task_id, "resolved", when)
    return task_id


def test_run_strips_closed_tasks_past_their_period(cli, engine):
    old = _closed_task(engine, 200, "CA" + "1" * 32)
    fresh = _closed_task(engine, 1, "CA" + "2" * 32)
    result = cli("retention", "run")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["closed_tasks_stripped"] == 1
    with engine.connect() as conn:
        phones = dict(conn.execute(sa.select(callbacks_table.c.id, callbacks_table.c.phone)).all())
    assert phones[old] is None and phones[fresh] == "+4917612345678"
    assert json.loads(cli("retention", "run").output)["closed_tasks_stripped"] == 0
