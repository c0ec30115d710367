"""Operator closures of desks, house-wide announcements and the overflow number: the rules a new one must meet
(shared by the API and `ivr closure`), storing them, and reading them with a short cache."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import redis
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ivr.core.errors import IvrError
from ivr.engine.hours import Closure
from ivr.engine.phones import check_number
from ivr.hotline import audit
from ivr.hotline import localtime
from ivr.store.db import closures

log = logging.getLogger(__name__)
HOUSE = "*"
"""Desk id of a closure or announcement that covers every desk."""
CACHE_SECONDS = 5.0
"""How stale a web process may serve closures when Redis cannot tell it of a change."""
ACK_SECONDS = 1.0
"""Longest time a change waits for every web process to confirm it reads the new closures."""
LISTEN_SECONDS = 0.2
"""How often the listening thread looks up from Redis (to stop promptly)."""
CHANNEL = "ivr:closures"
"""Redis channel (suffixed with the database number) that tells web processes a closure changed."""


REASON_CHARS = 500
"""Longest reason kept."""
MESSAGE_CHARS = 1000
"""Longest announcement kept per language."""


RULES = ("until", "past", "message", "desk", "number")
"""The rules a refused entry names in `ClosureError.rule` (a page words them in its own language)."""


class ClosureError(IvrError, ValueError):
    """A closure, announcement or overflow entry that breaks a rule; the text says which and what to give."""

    def __init__(self, message: str, rule: str = "until"):
        super().__init__(message)
        self.rule = rule


def parse_until(text: str, tz: ZoneInfo | None = None, now: datetime | None = None) -> datetime:
    """The end of an entry: ISO-8601 with a UTC offset, or (given `tz`) a local time as operators write it
    ("Mo 12:00", "morgen 12:00", "02.12. 16:00", "2026-12-24 12:00": ivr.hotline.localtime, counted from `now`)."""
    if tz is not None:
        try:
            return localtime.parse(str(text), now or datetime.now(tz), tz)
        except localtime.LocalTimeError as exc:
            raise ClosureError(f"until {exc}") from None
    try:
        until = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ClosureError("until must be an ISO-8601 date and time with offset") from None
    if until.tzinfo is None:
        raise ClosureError("until needs a UTC offset, e.g. 2026-12-24T12:00:00+01:00")
    return until


def check_until(until: datetime, now: datetime) -> datetime:
    """Refuse an end that is not in the future."""
    if until <= now:
        raise ClosureError("until lies in the past", "past")
    return until


def clean_message(message: object, languages: Iterable[str]) -> dict[str, str]:
    """The announcement by language: known language ids mapped to text, trimmed, empty ones dropped."""
    known = list(languages)
    if not isinstance(message, Mapping) or any(k not in known or not isinstance(v, str) for k, v in message.items()):
        raise ClosureError(f"message must map language ids ({', '.join(known)}) to text", "message")
    return {k: v.strip()[:MESSAGE_CHARS] for k, v in message.items() if v.strip()}


def check_desk(desk: str, desks: Iterable[str]) -> str:
    """A desk id of the config, or HOUSE for every desk."""
    known = list(desks)
    if desk != HOUSE and desk not in known:
        raise ClosureError(f"unknown desk {desk!r}; desks: {', '.join(known)} or {HOUSE} for the whole house", "desk")
    return desk


def overflow_number(text: str) -> str:
    """The overflow number as E.164: a callable German number (the API's rule)."""
    verdict = check_number(text, ["DE"])
    if not verdict.ok or verdict.e164 is None:
        raise ClosureError("number must be a callable German number", "number")
    return verdict.e164


@dataclass(frozen=True)
class Entry:
    """A checked request for a closure, announcement or overflow number."""

    until: datetime
    reason: str
    message: dict[str, str]


def entry(until: str, reason: str, message: object, languages: Iterable[str], now: datetime,
          tz: ZoneInfo | None = None) -> Entry:
    """Check a new entry's end (given, in the future) and announcement (known languages); ClosureError if not."""
    return Entry(check_until(parse_until(until, tz, now), now), (reason or "")[:REASON_CHARS],
                 clean_message(message or {}, languages))


@dataclass(frozen=True)
class Snapshot:
    """Closures, announcement and overflow number in force at one instant."""

    desks: dict[str, Closure]
    announcement: Closure | None
    overflow: tuple[str, datetime] | None
    changes_at: datetime | None = None  # the next end of an entry in force: then this snapshot is outdated


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
        announcement, overflow, changes_at = None, None, None
        for row in self.rows:
            if row.closure.until <= now:
                continue
            changes_at = row.closure.until if changes_at is None else min(changes_at, row.closure.until)
            if row.kind == "closure":
                desks[row.desk] = row.closure
            elif row.kind == "announcement":
                announcement = row.closure
            elif row.kind == "overflow" and row.value:
                overflow = (row.value, row.closure.until)
        return Snapshot(desks, announcement, overflow, changes_at)


def _closure(row: sa.Row) -> Closure:
    message = json.loads(row.message or "{}")
    return Closure(until=row.until, reason=row.reason or "", message=tuple(sorted(message.items())))


def read(engine: Engine) -> Table:
    """Read every closure that no operator has ended."""
    query = sa.select(closures).where(closures.c.ended_at.is_(None)).order_by(closures.c.id)
    with engine.connect() as conn:
        return Table(tuple(_Row(r.desk, r.kind, _closure(r), r.value) for r in conn.execute(query)))


class ClosureCache:
    """Keeps closures in memory so webhooks never query for them, and reads them again when they change.

    With Redis, a background thread listens for changes (`changed()` in any process) and reads the table at once,
    confirming it to the writer; without Redis, or while it is down, it reads the table every `seconds`. On a
    database error the last good table stays in use. `generation` counts the tables seen, for caches of steps
    that depend on them.
    """

    def __init__(self, engine: Engine, redis_conn: redis.Redis | None = None, seconds: float = CACHE_SECONDS):
        self.engine, self.redis, self.seconds = engine, redis_conn, seconds
        self.generation = 0
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
            table = read(self.engine)
        except SQLAlchemyError as exc:
            log.warning("closures unreadable, serving last known: %s", type(exc).__name__)
            return
        if table != self._table:
            self._table = table
            self.generation += 1

    def changed(self) -> None:
        """Tell every process of a change this one made; return once each confirmed (at most ACK_SECONDS)."""
        self.refresh()
        if self.redis is not None:
            announce(self.redis)

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self.refresh()
            self._thread = threading.Thread(target=self._loop, name="closure-refresh", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.redis is not None:
                try:
                    self._listen(self.redis)
                except (redis.RedisError, OSError) as exc:
                    log.warning("closure changes not heard, reading every %.0f s: %s", self.seconds,
                                type(exc).__name__)
            if self._stop.wait(self.seconds):
                return
            self.refresh()

    def _listen(self, conn: redis.Redis) -> None:
        pubsub = conn.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(channel(conn))
            self.refresh()  # what changed while nobody listened
            last = time.monotonic()
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=LISTEN_SECONDS)
                if message is None and time.monotonic() - last < self.seconds:
                    continue
                self.refresh()  # a change, or the periodic read when none came
                last = time.monotonic()
                if message is not None and message.get("type") == "message":
                    token = message["data"].decode("ascii", "replace")[:64]
                    pipe = conn.pipeline(transaction=False)
                    pipe.rpush(f"{CHANNEL}:ack:{token}", b"1").expire(f"{CHANNEL}:ack:{token}", 60)
                    pipe.execute()
        finally:
            pubsub.close()

    def stop(self) -> None:
        """Stop refreshing (when the process's Services close)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)


def channel(conn: redis.Redis) -> str:
    """The change channel of this Redis database (channels are shared by all databases of a server)."""
    return f"{CHANNEL}:{conn.connection_pool.connection_kwargs.get('db', 0)}"


def announce(conn: redis.Redis, wait: float = ACK_SECONDS) -> int:
    """Publish a change of closures and wait until every listening process has read it; return how many did."""
    token = uuid.uuid4().hex
    try:
        listeners = conn.publish(channel(conn), token)
        confirmed, deadline = 0, time.monotonic() + wait
        while confirmed < listeners and time.monotonic() < deadline:
            # short blocking pops: the connection's socket timeout is a fraction of a second
            if conn.blpop([f"{CHANNEL}:ack:{token}"], timeout=LISTEN_SECONDS / 2) is not None:
                confirmed += 1
    except redis.RedisError as exc:  # the processes read the table within CACHE_SECONDS anyway
        log.warning("closure change not announced: %s", type(exc).__name__)
        return 0
    if confirmed < listeners:
        log.warning("closure change confirmed by %d of %d processes", confirmed, listeners)
    return confirmed


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


def record(engine: Engine, desk: str, kind: str, entry: Entry, actor: str, now: datetime,
           value: str | None = None) -> int:
    """Store a checked entry (ending the one before) and audit it as `<kind>.set`; return its id. The API, the CLI
    and the operators' page all set entries through this (each then tells the web processes)."""
    entry_id = set_closure(engine, desk, kind, entry.until, entry.reason, entry.message, actor, now, value)
    audit.write(engine, actor, f"{kind}.set", f"{kind}:{entry_id}", now, f"desk={desk}")
    return entry_id


def end(engine: Engine, desk: str, kind: str, actor: str, now: datetime, target: str | None = None) -> int:
    """End the active entry of this desk and kind and audit it as `<kind>.end`; return how many were ended."""
    ended = end_closure(engine, desk, kind, now)
    audit.write(engine, actor, f"{kind}.end", target or f"desk:{desk}", now)
    return ended
