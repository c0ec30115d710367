"""Durable intake of what webhooks learn: a row in the database, then a job that carries only its id."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import SQLAlchemyError

from ivr.store import jobqueue as queue
from ivr.store.breaker import Breaker
from ivr.store.cipher import Cipher
from ivr.store.db import events

log = logging.getLogger(__name__)


class Intake:
    """Stores events (database first, encrypted spool file as last resort) and queues their processing.

    A webhook waits only for the commit: the new events' ids are handed to one background thread per process,
    which queues them in one Redis round trip per batch (a busy process gathers several webhooks' events into
    one). The rows are durable before the webhook answers; a process that dies before its thread queued them
    leaves rows the relay re-queues once they are STALE_AFTER old without a job.
    """

    def __init__(self, engine: Engine, redis_conn: redis.Redis | None, breaker: Breaker, cipher: Cipher,
                 spool_dir: str | Path, failure_ttl: int = queue.FAILURE_TTL,
                 before_queueing: Callable[[], object] | None = None):
        self.engine, self.redis, self.breaker, self.cipher = engine, redis_conn, breaker, cipher
        self.spool_dir = Path(spool_dir)
        self.failure_ttl = failure_ttl
        self._insert = _insert_new(engine).returning(events.c.id, events.c.dedupe_key)
        self.before_queueing = before_queueing
        """Called before each batch is queued (the path tracker's flush: a job finds the call's nodes in Redis)."""
        self._waiting: list[int] = []
        self._wake = threading.Condition()
        self._queueing = threading.Lock()  # one batch at a time, from the thread or flush()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def submit(self, kind: str, call_sid: str, dedupe_key: str, payload: dict[str, Any], now: datetime) -> int | None:
        """Store an event once (by dedupe_key) and queue it; return its id, or None when known or spooled."""
        return self.submit_many([(kind, call_sid, dedupe_key, payload)], now)[0]

    def submit_many(self, items: list[tuple[str, str, str, dict[str, Any]]], now: datetime) -> list[int | None]:
        """Store a webhook's events (kind, call_sid, dedupe_key, payload) in one commit, then queue the new ones.

        The rows are written as queued (`enqueued_at`) in the same commit, so a queued event costs one database round
        trip: when the job cannot be queued, the row is marked unqueued for the relay's next pass; when this process
        dies in between, the relay finds the row without a job once it is STALE_AFTER old. Returns each event's id,
        None for one stored before (a Twilio retry) or spooled.
        """
        try:
            ids = self._store(items, now)
        except SQLAlchemyError as exc:
            log.error("database unavailable, spooling %d event(s): %s", len(items), type(exc).__name__)
            for kind, call_sid, dedupe_key, payload in items:
                self._spool(kind, call_sid, dedupe_key, payload, now)
            return [None] * len(items)
        fresh = [event_id for event_id in ids if event_id is not None]
        if fresh:
            if self.redis is None or not self.breaker.closed or self._stopped:
                self._unqueued(fresh)  # no Redis to queue on: the relay's next pass takes them
            else:
                self._hand_over(fresh)
        return ids

    def _hand_over(self, ids: list[int]) -> None:
        with self._wake:
            self._waiting.extend(ids)
            self._wake.notify()
        if self._thread is None or not self._thread.is_alive():
            self._start()

    def _start(self) -> None:
        with self._wake:  # started in the serving process on first use, never before a fork
            if (self._thread is None or not self._thread.is_alive()) and not self._stopped:
                self._thread = threading.Thread(target=self._loop, name="event-queueing", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._waiting and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
            try:
                self.flush()
            except Exception:  # the thread must survive anything; the relay queues what it left
                log.exception("queueing events failed; the relay will queue them")

    def flush(self) -> int:
        """Queue every event handed over so far, now (tests before running jobs, shutdown); returns how many."""
        with self._queueing:
            with self._wake:
                batch, self._waiting = self._waiting, []
            if not batch:
                return 0
            if self.before_queueing is not None:
                self.before_queueing()
            if not self.enqueue_many(batch, fresh=True):
                self._unqueued(batch)
            return len(batch)

    def stop(self) -> None:
        """Queue what is waiting and end the thread (tests, commands, shutdown)."""
        with self._wake:
            self._stopped = True
            self._wake.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self.flush()

    def _store(self, items: list[tuple[str, str, str, dict[str, Any]]], now: datetime) -> list[int | None]:
        rows = [{"kind": kind, "call_sid": call_sid, "dedupe_key": dedupe_key[:160], "payload": json.dumps(payload),
                 "created_at": now, "enqueued_at": now, "attempts": 0}
                for kind, call_sid, dedupe_key, payload in items]
        with self.engine.begin() as conn:  # a Twilio retry of the same webhook inserts nothing: the first one counts
            # parameters apart from the statement: one compiled form, cached (a VALUES list is compiled each time)
            stored = {key: event_id for event_id, key in conn.execute(self._insert, rows if len(rows) > 1 else rows[0])}
        return [stored.get(row["dedupe_key"]) for row in rows]

    def enqueue(self, event_id: int, now: datetime) -> bool:
        """Queue an event's job (its row says when); on failure the relay queues it once Redis is back."""
        if not self.enqueue_many([event_id]):
            return False
        try:
            with self.engine.begin() as conn:
                conn.execute(events.update().where(events.c.id == event_id).values(enqueued_at=now))
        except SQLAlchemyError:
            pass  # the relay may queue it again; the unique job id and idempotent job make that harmless
        return True

    def enqueue_many(self, ids: list[int], fresh: bool = False) -> bool:
        """Queue the events' jobs; False when Redis is unavailable (the rows stay for the relay).

        `fresh`: the rows were inserted just now, so none has a job yet: all go in one round trip; otherwise each
        is queued unless it has a job already."""
        if self.redis is None or not self.breaker.closed:
            return False
        try:
            if fresh:
                queue.enqueue_events(self.redis, ids, self.failure_ttl)
            else:
                for event_id in ids:
                    queue.enqueue_event(self.redis, event_id, self.failure_ttl)
        except redis.RedisError as exc:
            self.breaker.trip()
            log.warning("redis unavailable, event(s) %s left for the relay: %s", ids, type(exc).__name__)
            return False
        self.breaker.reset()
        return True

    def _unqueued(self, ids: list[int]) -> None:
        """Mark events as never queued, so the relay's next pass takes them (not only once they look stale)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(events.update().where(events.c.id.in_(ids)).values(enqueued_at=None))
        except SQLAlchemyError:
            pass  # they look stale to the relay after STALE_AFTER: queued then

    def _spool(self, kind: str, call_sid: str, dedupe_key: str, payload: dict[str, Any], now: datetime) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"kind": kind, "call_sid": call_sid, "dedupe_key": dedupe_key, "payload": payload,
                             "created_at": now.isoformat()})
        path = self.spool_dir / f"spool-{os.getpid()}-{int(time.time() // 3600)}.jsonl"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(self.cipher.seal(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def _insert_new(engine: Engine):
    """INSERT that skips rows whose dedupe_key exists (SQLite and PostgreSQL speak the same ON CONFLICT)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(events).on_conflict_do_nothing(index_elements=["dedupe_key"])


def pending(engine: Engine, older_than: datetime, limit: int = 500, newer_than: datetime | None = None) -> list[int]:
    """Return ids of events not yet processed that were never queued, or queued before `older_than`."""
    query = (sa.select(events.c.id).where(events.c.processed_at.is_(None))
             .where(sa.or_(events.c.enqueued_at.is_(None), events.c.enqueued_at < older_than))
             .order_by(events.c.id).limit(limit))
    if newer_than is not None:  # older ones were dead-lettered and have expired with the failed-job registry
        query = query.where(events.c.created_at > newer_than)
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


def import_spool(engine: Engine, cipher: Cipher, spool_dir: str | Path) -> int:
    """Move spooled events into the database (after a database outage); return how many were new."""
    count = 0
    for original in sorted(Path(spool_dir).glob("spool-*.jsonl")):
        path = original.with_suffix(".importing")
        original.rename(path)  # writers open a fresh file by name from now on
        lines = path.read_text(encoding="utf-8").splitlines()
        for line in lines:
            text = cipher.open(line.strip())
            if text is None:
                continue
            rec = json.loads(text)
            row = {"kind": rec["kind"], "call_sid": rec["call_sid"], "dedupe_key": rec["dedupe_key"],
                   "payload": json.dumps(rec["payload"]), "created_at": datetime.fromisoformat(rec["created_at"]),
                   "attempts": 0}
            try:
                with engine.begin() as conn:
                    conn.execute(events.insert().values(**row))
                count += 1
            except IntegrityError:
                pass
        path.unlink()
    return count
