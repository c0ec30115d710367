"""Durable intake of what webhooks learn: a row in the database, then a job that carries only its id."""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import SQLAlchemyError

from ivr import queue
from ivr.broker import Breaker
from ivr.cipher import Cipher
from ivr.db import events

log = logging.getLogger(__name__)


class Intake:
    """Stores events (database first, encrypted spool file as last resort) and queues their processing."""

    def __init__(self, engine: Engine, redis_conn: redis.Redis | None, breaker: Breaker, cipher: Cipher,
                 spool_dir: str | Path, failure_ttl: int = queue.FAILURE_TTL):
        self.engine, self.redis, self.breaker, self.cipher = engine, redis_conn, breaker, cipher
        self.spool_dir = Path(spool_dir)
        self.failure_ttl = failure_ttl

    def submit(self, kind: str, call_sid: str, dedupe_key: str, payload: dict[str, Any], now: datetime) -> int | None:
        """Store an event once (by dedupe_key) and queue it; return its id, or None when spooled."""
        try:
            event_id = self._store(kind, call_sid, dedupe_key, payload, now)
        except SQLAlchemyError as exc:
            log.error("database unavailable, spooling %s event: %s", kind, type(exc).__name__)
            self._spool(kind, call_sid, dedupe_key, payload, now)
            return None
        if event_id is not None:
            self.enqueue(event_id, now)
        return event_id

    def _store(self, kind: str, call_sid: str, dedupe_key: str, payload: dict[str, Any], now: datetime) -> int | None:
        row = {"kind": kind, "call_sid": call_sid, "dedupe_key": dedupe_key[:160], "payload": json.dumps(payload),
               "created_at": now, "attempts": 0}
        try:
            with self.engine.begin() as conn:
                return conn.execute(events.insert().values(**row)).inserted_primary_key[0]
        except IntegrityError:  # the same webhook again (a Twilio retry): the first one counts
            return None

    def enqueue(self, event_id: int, now: datetime) -> bool:
        """Queue an event's job; on failure the relay queues it once Redis is back."""
        if self.redis is None or not self.breaker.closed:
            return False
        try:
            queue.enqueue_event(self.redis, event_id, self.failure_ttl)
        except redis.RedisError as exc:
            self.breaker.trip()
            log.warning("redis unavailable, event %s left for the relay: %s", event_id, type(exc).__name__)
            return False
        self.breaker.reset()
        try:
            with self.engine.begin() as conn:
                conn.execute(events.update().where(events.c.id == event_id).values(enqueued_at=now))
        except SQLAlchemyError:
            pass  # the relay may queue it again; the unique job id and idempotent job make that harmless
        return True

    def _spool(self, kind: str, call_sid: str, dedupe_key: str, payload: dict[str, Any], now: datetime) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"kind": kind, "call_sid": call_sid, "dedupe_key": dedupe_key, "payload": payload,
                             "created_at": now.isoformat()})
        path = self.spool_dir / f"spool-{os.getpid()}-{int(time.time() // 3600)}.jsonl"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(self.cipher.seal(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


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
