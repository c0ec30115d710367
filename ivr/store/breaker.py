"""Redis connections with short timeouts, a circuit breaker, and redis+sentinel:// URLs."""

from __future__ import annotations

import threading
import time
from urllib.parse import unquote
from urllib.parse import urlparse

import redis
from redis.sentinel import Sentinel

BREAKER_SECONDS = 5.0
"""After a failure, webhooks skip Redis for this long instead of waiting on a dead server each time."""


def connect(url: str, timeout: float) -> redis.Redis:
    """Open a Redis client for redis://, rediss://, unix:// or redis+sentinel://h1:p,h2:p/master/db URLs."""
    if url.startswith("redis+sentinel://"):
        parsed = urlparse(url)
        hosts = []
        for part in parsed.netloc.split("@")[-1].split(","):
            host, _, port = part.partition(":")
            hosts.append((host, int(port or 26379)))
        segments = [s for s in parsed.path.split("/") if s]
        if not segments:
            raise ValueError("redis+sentinel:// URL needs the master name: redis+sentinel://host:26379/mymaster/0")
        master, db = segments[0], int(segments[1]) if len(segments) > 1 else 0
        password = unquote(parsed.password) if parsed.password else None
        sentinel = Sentinel(hosts, socket_timeout=timeout, socket_connect_timeout=timeout)
        return sentinel.master_for(master, db=db, password=password, socket_timeout=timeout,
                                   socket_connect_timeout=timeout)
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                health_check_interval=30)


class Breaker:
    """Remembers a recent Redis failure so the hot path does not wait on it again and again."""

    def __init__(self, seconds: float = BREAKER_SECONDS):
        self.seconds = seconds
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        """True when Redis may be tried."""
        return time.monotonic() >= self._open_until

    def trip(self) -> None:
        """Record a failure."""
        with self._lock:
            self._open_until = time.monotonic() + self.seconds

    def reset(self) -> None:
        """Record a success."""
        self._open_until = 0.0
