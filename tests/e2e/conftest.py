"""Real processes for end-to-end tests: gunicorn serving the app and `ivr worker`, on real Redis and database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from ivr.store.redisserver import free_port
from tests.factories import API_TOKEN
from tests.factories import TOKEN
from tests.support.clock import FileClock
from tests.support.phone import Phone

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def _wait_http(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in time")


class Stack:
    """A running web server and worker sharing one environment."""

    def __init__(self, tmp: Path, database_url: str, redis_url: str):
        self.tmp = tmp
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.clock = FileClock(tmp / "clock")
        self.clock.set("2026-11-24 10:00")  # a Tuesday morning: every desk open
        self.env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="e2e-secret", IVR_API_TOKEN=API_TOKEN,
                        DATABASE_URL=database_url, REDIS_URL=redis_url, IVR_INSTANCE_DIR=str(tmp / "instance"),
                        IVR_TEST_CLOCK_FILE=str(tmp / "clock"), PYTHONPATH=str(ROOT))
        self.logs = tmp / "logs"
        self.logs.mkdir(exist_ok=True)
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def start(self) -> Stack:
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--timeout", "15", "--access-logfile", str(self.logs / "access.log"),
             "--error-logfile", str(self.logs / "web.log"), "tests.support.serve:app()"],
            env=self.env, cwd=ROOT)
        self.worker = subprocess.Popen([sys.executable, "-m", "ivr", "worker"], env=self.env, cwd=ROOT,
                                       stdout=(self.logs / "worker.log").open("w"), stderr=subprocess.STDOUT)
        _wait_http(self.base + "/healthz", self.web)
        return self

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process and process.poll() is None:
                process.terminate()
        for process in (self.web, self.worker):
            if process:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()

    def phone(self, **kwargs) -> Phone:
        session = requests.Session()

        def post(url, data, headers):
            response = session.post(url, data=data, headers=headers, timeout=10)
            return response.status_code, response.content

        return Phone(post=post, base=self.base, token=TOKEN, **kwargs)

    def api(self, path: str, method: str = "GET", **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        return requests.request(method, self.base + path, headers=headers, timeout=10, **kwargs)

    def eventually(self, fetch, predicate, timeout: float = 30.0):
        """Poll `fetch()` until `predicate(result)`; the worker runs in its own process."""
        deadline = time.monotonic() + timeout
        result = fetch()
        while not predicate(result):
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met in {timeout}s; last value: {result!r}")
            time.sleep(0.2)
            result = fetch()
        return result


@pytest.fixture
def stack(tmp_path, database_url, redis_url, engine, redis_conn):
    stack = Stack(tmp_path, database_url, redis_url).start()
    yield stack
    stack.stop()
