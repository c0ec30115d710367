"""Call paths in Redis, written by a background thread so a menu step never waits on a round trip.

A call's webhooks may be served by different processes whose batches reach Redis in any order, so each visited
node goes into a sorted set as "<position>:<language>:<node>", scored by its position in the call (carried in the
signed action URL): a repeated webhook writes the same members again and changes nothing. A menu step costs one
ZADD; the call's flow version and start go into a hash once (HSETNX), its desk whenever it is reached."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections import deque
from datetime import datetime

import redis

from ivr.store.breaker import Breaker

log = logging.getLogger(__name__)
CALL_KEY_TTL = 2 * 24 * 3600
"""Seconds the call's path and language stay in Redis after the last webhook."""
FLUSH_SECONDS = 0.05
"""Longest time a visited node waits in memory before it is written (a caller presses keys seconds apart)."""
EXPIRE_MEMORY = 50_000
"""Keys remembered as having a TTL (a few thousand calls a day; older ones simply get EXPIRE again)."""
BACKLOG = 20_000
"""Entries kept while Redis is unreachable; older ones are dropped first (paths only, never callbacks)."""


class Tracker:
    """Queues path entries in memory and writes them in batches from one thread per process."""

    def __init__(self, conn: redis.Redis, breaker: Breaker):
        self.conn, self.breaker = conn, breaker
        self._pending: deque[tuple] = deque(maxlen=BACKLOG)
        self._stop = threading.Event()
        self._flushing = threading.Lock()  # the status webhook flushes too, beside the thread
        self._expiring: OrderedDict[str, None] = OrderedDict()  # keys this process already gave a TTL
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def add(self, call_sid: str, lang: str, version: str, desk: str, started: datetime | None,
            visited: tuple[str, ...], first: int = 0) -> None:
        """Remember one webhook's nodes, the first at position `first` of the call; returns at once."""
        self._pending.append((call_sid, lang, version, desk, started.isoformat() if started else "", first,
                              visited))
        if self._thread is None or not self._thread.is_alive():
            self._start()

    @property
    def stopped(self) -> bool:
        """True after stop()."""
        return self._stop.is_set()

    def _start(self) -> None:
        with self._lock:  # the thread is started in the serving process, never before a fork
            if (self._thread is None or not self._thread.is_alive()) and not self._stop.is_set():
                self._thread = threading.Thread(target=self._loop, name="path-tracker", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()

    def stop(self) -> None:
        """Stop the thread, then write what is pending."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self.flush()

    def flush(self) -> int:
        """Write what is pending in one pipeline; keep it for later when Redis fails. Returns entries written."""
        if not self.breaker.closed:
            return 0
        with self._flushing:  # waits for a batch being written: a caller may rely on it being in Redis after this
            return self._flush() if self._pending else 0

    def _flush(self) -> int:
        batch = []
        while self._pending:
            batch.append(self._pending.popleft())
        try:
            pipe = self.conn.pipeline(transaction=False)
            expiring: set[str] = set()
            for sid, lang, version, desk, started, first, visited in batch:
                key = f"ivr:call:{sid}"
                if visited:  # members "<position>:<language>:<node>", scored by the position in the call
                    pipe.zadd(key + ":path", {f"{first + i}:{lang}:{node}": first + i
                                              for i, node in enumerate(visited)})
                    expiring.add(key + ":path")
                if started:  # the first delivery's start stays (a replay must not move it)
                    pipe.hsetnx(key, "started", started)
                    pipe.hsetnx(key, "version", version)
                    expiring.add(key)
                if desk:
                    pipe.hset(key, "desk", desk)
                    expiring.add(key)
            fresh = [key for key in expiring if key not in self._expiring]
            for key in fresh:  # a TTL once per key and process is enough: later ZADDs keep it
                pipe.expire(key, CALL_KEY_TTL)
            pipe.execute()
            for key in fresh:
                self._expiring[key] = None
            while len(self._expiring) > EXPIRE_MEMORY:
                self._expiring.popitem(last=False)
        except redis.RedisError as exc:
            self.breaker.trip()
            self._expiring.clear()  # Redis may come back empty: set every TTL again
            self._pending.extendleft(reversed(batch))
            log.warning("call paths not written, redis unavailable (%d waiting): %s", len(self._pending),
                        type(exc).__name__)
            return 0
        self.breaker.reset()
        return len(batch)
