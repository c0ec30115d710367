"""Operator closures of desks, house-wide announcements and the overflow number; read with a short cache."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ivr.db import closures
from ivr.engine.hours import Closure

log = logging.getLogger(__name__)
HOUSE = "*"
"""Desk id of a closure or announcement that covers every desk."""
CACHE_SECONDS = 5.0
"""How stale a web process may serve closures; operators' changes take effect within this time."""


@dataclass(frozen=True)
class Snapshot:
    """Closures, announcement and overflow number in force at one instant."""

    desks: dict[str, Closure]
    announcement: Closure | None
    overflow: tuple[str, datetime] | None


@dataclass(frozen=True)
class _Row:
    desk: str
    kind: str
    closure: Closure
    value: str | None


@dataclass(frozen=True)
class Table:
    """Every closure not ended by an operator, filtered by time when used (so tests may move the clock)."""

    rows: tuple[_Row, ...] = ()

    def active(self, now: datetime) -> Snapshot:
        """Return what is in force at `now`; the newest entry of a desk and kind wins."""
        desks: dict[str, Closure] = {}
        announcement, overflow = None, None
        for row in self.rows:
            if row.closure.until <= now:
                continue
            if row.kind == "closure":
                desks[row.desk] = row.closure
            elif row.kind == "announcement":
                announcement = row.closure
            elif row.kind == "overflow" and row.value:
                overflow = (row.value, row.closure.until)
        return Snapshot(desks, announcement, overflow)


def _closure(row: sa.Row) -> Closure:
    message = json.loads(row.message or "{}")
    return Closure(until=row.until, reason=row.reason or "", message=tuple(sorted(message.items())))


def read(engine: Engine) -> Table:
    """Read every closure that no operator has ended."""
    query = sa.select(closures).where(closures.c.ended_at.is_(None)).order_by(closures.c.id)
    with engine.connect() as conn:
        return Table(tuple(_Row(r.desk, r.kind, _closure(r), r.value) for r in conn.execute(query)))


class ClosureCache:
    """Keeps closures in memory, refreshed by a background thread, so webhooks never query for them.

    On a database error the last good table stays in use.
    """

    def __init__(self, engine: Engine, seconds: float = CACHE_SECONDS):
        self.engine, self.seconds = engine, seconds
        self._table = Table()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def get(self, now: datetime) -> Snapshot:
        """Return what is in force at `now`, from memory."""
        if self._thread is None:
            self._start()
        return self._table.active(now)

    def refresh(self) -> None:
        """Read the closures now (after this process changed one)."""
        try:
            self._table = read(self.engine)
        except SQLAlchemyError as exc:
            log.warning("closures unreadable, serving last known: %s", type(exc).__name__)

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self.refresh()
            self._thread = threading.Thread(target=self._loop, name="closure-refresh", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.seconds):
            self.refresh()

    def stop(self) -> None:
        """Stop refreshing (when the process's Services close)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


def set_closure(engine: Engine, desk: str, kind: str, until: datetime, reason: str, message: dict[str, str],
                actor: str, now: datetime, value: str | None = None) -> int:
    """End any active entry of this desk and kind, then add the new one; return its id."""
    with engine.begin() as conn:
        conn.execute(closures.update().where(closures.c.desk == desk).where(closures.c.kind == kind)
                     .where(closures.c.ended_at.is_(None)).values(ended_at=now))
        result = conn.execute(closures.insert().values(
            desk=desk, kind=kind, until=until, reason=reason, message=json.dumps(message, ensure_ascii=False),
            value=value, created_by=actor, created_at=now))
        return result.inserted_primary_key[0]


def end_closure(engine: Engine, desk: str, kind: str, now: datetime) -> int:
    """End the active entry of this desk and kind; return how many were ended."""
    with engine.begin() as conn:
        result = conn.execute(closures.update().where(closures.c.desk == desk).where(closures.c.kind == kind)
                              .where(closures.c.ended_at.is_(None)).values(ended_at=now))
        return result.rowcount
