"""Fault fixtures: a private stack of real processes (redis-server, gunicorn web, `ivr worker`) per test."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from ivr import gunicorn_logging
from ivr.store import db
from ivr.store.redisserver import RedisServer
from ivr.store.redisserver import free_port
from tests.factories import API_TOKEN
from tests.factories import TOKEN
from tests.support.clock import berlin
from tests.support.phone import Phone
from tests.support.report import record  # noqa: F401 - the fault tests import it from here

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
"""Seconds a web process may take to answer its first request."""
APOLOGY_LOG = "answering with the apology"
"""The web log's words when a webhook failed and the caller heard the apology instead of the menu (web/voice/views)."""


def wait_for(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.1):
    """Poll until predicate() is truthy; fail the test naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def descendants(pid: int) -> list[int]:
    """Return the ids of all processes below `pid` (RQ's work horse leaves the worker's process group)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Stack:
    """One hotline installation in child processes: its own Redis, SQLite file, web and worker."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.redis = RedisServer(directory=tmp / "redis")
        (tmp / "db").mkdir()
        self.db_path = tmp / "db" / "ivr.sqlite3"
        self.database_url = f"sqlite:///{self.db_path}"
        # the worker reaches the same file through a symlink the test can pull away (database outage)
        self.db_link = tmp / "worker-db"
        self.db_link.symlink_to(tmp / "db")
        self.worker_database_url = f"sqlite:///{self.db_link / 'ivr.sqlite3'}"
        self.flows_dir = tmp / "flows"  # a copy: the repository's folder may be edited while tests run
        shutil.copytree(ROOT / "flows", self.flows_dir)
        self.clock_file = tmp / "clock"
        self.clock_file.write_text("")
        self.web_port = free_port()
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.engine = None
        self.session = requests.Session()
        self.responses: list[tuple[str, int]] = []
        """Every webhook a phone of this stack sent: (path, HTTP status), in order."""

    # --- processes ---------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IVR_", "REDIS_", "DATABASE_", "TWILIO_"))}
        env.update({"REDIS_URL": self.redis.url, "DATABASE_URL": self.database_url, "TWILIO_AUTH_TOKEN": TOKEN,
                    "SECRET_KEY": "test-secret", "IVR_API_TOKEN": API_TOKEN,
                    "IVR_INSTANCE_DIR": str(self.tmp / "instance"),
                    "IVR_FLOWS_DIR": str(self.flows_dir), "IVR_TEST_CLOCK_FILE": str(self.clock_file),
                    "PYTHONUNBUFFERED": "1", "IVR_LOG_FORMAT": "json", "WEB_CONCURRENCY": "2"})
        env.update(extra)
        return env

    def start(self, worker: bool = True) -> Stack:
        self.redis.start()
        db.upgrade(self.database_url)
        self.engine = db.make_engine(self.database_url)
        self.start_web()
        if worker:
            self.start_worker()
        return self

    def start_web(self) -> None:
        log = (self.tmp / "web.log").open("ab")
        (self.tmp / "metrics").mkdir(exist_ok=True)
        bind = f"127.0.0.1:{self.web_port}"
        self.web = subprocess.Popen(
            [sys.executable, "-m", *gunicorn_logging.command("tests.support.serve:app()", bind)],
            cwd=ROOT, env=self.env(PROMETHEUS_MULTIPROC_DIR=str(self.tmp / "metrics")),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

        def up() -> bool:
            if self.web.poll() is not None:
                raise AssertionError("web process exited:\n" + self.log("web"))
            try:
                return self.session.get(self.base + "/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, START_TIMEOUT, "the web process")

    def start_worker(self) -> subprocess.Popen:
        log = (self.tmp / "worker.log").open("ab")
        process = subprocess.Popen([sys.executable, "-m", "ivr", "worker"], cwd=ROOT,
                                   env=self.env(DATABASE_URL=self.worker_database_url),
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.workers.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker, its work horse and scheduler at once, as an OOM kill of the container would."""
        for pid in [process.pid, *descendants(process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait()

    def stop(self) -> None:
        for process in [*self.workers, self.web]:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.redis.stop()
        if self.engine is not None:
            self.engine.dispose()
        self.session.close()

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_records(self, name: str) -> list[dict]:
        """The JSON lines of a process log (IVR_LOG_FORMAT=json); other lines are skipped."""
        found = []
        for line in self.log(name).splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                found.append(item)
        return found

    def webhook_errors(self, since: int = 0) -> int:
        """Webhooks since response number `since` that failed the caller: not 200/204, or the apology (web log)."""
        refused = sum(1 for _, status in self.responses[since:] if status not in (200, 204))
        apologies = sum(1 for item in self.log_records("web") if APOLOGY_LOG in str(item.get("msg", "")))
        return refused + apologies

    # --- callers -----------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def set_clock(self, text: str) -> None:
        self.clock_file.write_text(berlin(text).isoformat())

    def phone(self, timings: list[float] | None = None, **kwargs) -> Phone:
        """A signed caller over HTTP; each request's duration is appended to `timings`."""
        def post(url, data, headers):
            started = time.monotonic()
            response = self.session.post(url, data=data, headers=headers, timeout=30)
            if timings is not None:
                timings.append(time.monotonic() - started)
            self.responses.append((urlsplit(url).path, response.status_code))
            return response.status_code, response.content

        return Phone(post=post, base=self.base, token=TOKEN, **kwargs)

    # --- what the database holds -------------------------------------------------------------

    def scalar(self, sql: str, **params) -> object:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]


_LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


class WriteLock:
    """The SQLite write lock, held by a separate process until release() (writers wait, then fail)."""

    def __init__(self, path: Path):
        self.process = subprocess.Popen([sys.executable, "-c", _LOCKER, str(path)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        self.process.stdin.close()
        self.process.wait(10)
        self.process.stdout.close()


@pytest.fixture
def stack(tmp_path):
    """A private, running stack (web + worker + redis); stopped after the test."""
    stack = Stack(tmp_path)
    try:
        yield stack
    finally:
        stack.stop()


def number_forms(e164: str) -> list[str]:
    """Ways a German number may appear in text: E.164, without plus, national with 0, subscriber digits."""
    national = e164.removeprefix("+49")
    return [e164, e164[1:], "0" + national, national]


def assert_no_numbers_in_logs(stack: Stack, numbers: list[str]) -> int:
    """Assert that no process log (gunicorn access and error log, worker) holds a caller's number; return lines."""
    text = stack.log("web") + stack.log("worker")
    for number in numbers:
        for form in number_forms(number):
            assert form not in text, f"{form} appears in a process log"
    return text.count("\n")


def request_callback(stack: Stack, caller: str, timings: list[float] | None = None) -> Phone:
    """One whole call on a Tuesday evening: English, closed desk, callback on this number, no message."""
    phone = stack.phone(timings, caller=caller)
    phone.call()
    phone.press("7")
    phone.press("1")
    turn = phone.press("4")
    assert "Wednesday" in turn.text, turn.text
    phone.press("1")
    phone.press("3")  # any time
    phone.press("2")  # no SMS
    turn = phone.press("2")
    assert turn.hung_up
    phone.hang_up()
    return phone
