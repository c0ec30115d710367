"""Callback tasks of a given age, for the retention tests of privacy rules and of the worker's sweep."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ivr.hotline import callbacks
from ivr.hotline import recordings
from ivr.store.db import callbacks as callbacks_table


def aged_task(conn, settings, clock, n: int, age_days: float, closed_days: float | None = None,
              message: bool = False) -> int:
    """A task created `age_days` ago (closed `closed_days` ago, with a voice message file when `message`)."""
    at = clock() - timedelta(days=age_days)
    task_id, _ = callbacks.create(conn, "info", f"+49176123456{n:02d}", "de", f"CA{n:032d}", at, at)
    if message:
        name = f"{task_id}-RE{n:032d}.wav"
        folder = recordings.folder(settings)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"RIFF")
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == task_id).values(recording_path=name))
    if closed_days is not None:
        callbacks.close(conn, task_id, "resolved", clock() - timedelta(days=closed_days))
    return task_id


def row(engine, table, row_id) -> dict:
    """One row of `table` by id, as a mapping."""
    with engine.connect() as conn:
        return conn.execute(sa.select(table).where(table.c.id == row_id)).mappings().one()
