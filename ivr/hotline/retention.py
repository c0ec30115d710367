"""Retention: delete or pseudonymise personal data when its period ends (run by the worker on a schedule)."""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ivr.hotline import recordings
from ivr.settings import Settings
from ivr.store.db import audit_log
from ivr.store.db import callbacks
from ivr.store.db import calls
from ivr.store.db import events
from ivr.store.db import task_history

log = logging.getLogger(__name__)


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def run(engine: Engine, settings: Settings, now: datetime) -> dict[str, int]:
    """Apply every retention rule once; return how many records each rule changed."""
    keep = settings.config.retention
    report: dict[str, int] = {}
    with engine.begin() as conn:
        # voice messages: gone when the task is closed, at the latest after recordings_days
        rows = conn.execute(sa.select(callbacks.c.id, callbacks.c.recording_path)
                            .where(callbacks.c.recording_path.is_not(None))
                            .where(sa.or_(callbacks.c.status == "closed",
                                          callbacks.c.created_at < now - _days(keep.recordings_days)))).all()
        for task_id, name in rows:
            recordings.remove(settings, name)
            conn.execute(callbacks.update().where(callbacks.c.id == task_id).values(recording_path=None))
        report["voice_messages_deleted"] = len(rows)
        # call records: the caller's number goes, the keyed hash (repeat callers) stays
        report["caller_numbers_pseudonymised"] = conn.execute(
            calls.update().where(calls.c.caller.is_not(None))
            .where(calls.c.created_at < now - _days(keep.caller_numbers_days)).values(caller=None)).rowcount
        # closed tasks: no number, no message, no free-text notes; desk, dates and outcome stay for statistics
        stale = sa.select(callbacks.c.id).where(callbacks.c.status == "closed") \
            .where(callbacks.c.closed_at < now - _days(keep.closed_tasks_days)).where(callbacks.c.phone.is_not(None))
        ids = [r[0] for r in conn.execute(stale)]
        if ids:
            conn.execute(callbacks.update().where(callbacks.c.id.in_(ids))
                         .values(phone=None, recording_path=None))
            conn.execute(task_history.update().where(task_history.c.callback_id.in_(ids)).values(note=None))
        report["closed_tasks_stripped"] = len(ids)
        # intake events: applied ones after the failed-job period, dead letters after the closed-task period
        report["events_deleted"] = conn.execute(events.delete().where(sa.or_(
            events.c.processed_at < now - _days(keep.failed_jobs_days),
            sa.and_(events.c.processed_at.is_(None), events.c.created_at < now - _days(keep.closed_tasks_days))),
        )).rowcount
        report["audit_entries_deleted"] = conn.execute(
            audit_log.delete().where(audit_log.c.at < now - _days(keep.audit_days))).rowcount
    changed = {k: v for k, v in report.items() if v}
    if changed:
        log.info("retention: %s", ", ".join(f"{k}={v}" for k, v in changed.items()))
    return report
