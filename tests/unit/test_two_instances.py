"""Two separate web instances (two gunicorn processes, one database and Redis) serve one call alternately."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from ivr.store.redisserver import free_port
from tests.factories import TOKEN
from tests.support.clock import FileClock
from tests.support.phone import Phone

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://hotline.example.org"
"""What Twilio sees (the load balancer); both instances check signatures against it."""


def _serve(port: int, env: dict[str, str], logs: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "15",
         "--access-logfile", str(logs / f"access-{port}.log"),
         "--error-logfile", str(logs / f"web-{port}.log"),
         "tests.support.serve:app()"], env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return process
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still loading the app
            time.sleep(0.1)  # waiting, not an assertion
    process.kill()
    raise RuntimeError(f"instance on port {port} did not start, see {logs}")


@pytest.fixture
def instances(tmp_path, database_url, redis_url, engine, redis_conn):
    clock = FileClock(tmp_path / "clock")
    clock.set("2026-11-24 19:30")  # Tuesday evening: desks closed, callers may ask for a callback
    env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="shared-secret", DATABASE_URL=database_url,
               REDIS_URL=redis_url, IVR_PUBLIC_URL=PUBLIC, IVR_TEST_CLOCK_FILE=str(tmp_path / "clock"),
               PYTHONPATH=str(ROOT))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    bases, processes = [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            processes.append(_serve(port, dict(env, IVR_INSTANCE_DIR=str(tmp_path / name)), tmp_path))
            bases.append(f"http://127.0.0.1:{port}")
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


def _served(base: str) -> int:
    text = requests.get(base + "/metrics", timeout=5).text
    return sum(int(float(line.split()[-1])) for line in text.splitlines()
               if line.startswith("ivr_webhook_requests_total{"))


def test_alternating_instances_serve_one_call(instances, work, engine):
    turn = itertools.cycle(instances)
    session = requests.Session()
    used = []

    def post(url, data, headers):  # a load balancer: the public URL is signed, any instance answers
        base = next(turn)
        used.append(base)
        parts = urlsplit(url)
        target = base + parts.path + ("?" + parts.query if parts.query else "")
        response = session.post(target, data=data, headers=headers, timeout=10)
        return response.status_code, response.content

    caller = Phone(post=post, base=PUBLIC, token=TOKEN, caller="+4917612345678")
    caller.call()
    caller.press("7")  # English (state travels in the URL, encrypted with the shared SECRET_KEY)
    caller.press("1")
    turn_text = caller.press("4").text  # courses: closed, callback offered
    assert "Wednesday" in turn_text
    caller.press("1")  # call me on this number
    caller.press("3")  # any time
    caller.press("2")  # no SMS
    assert caller.press("2").hung_up  # no voice message
    caller.hang_up()
    assert set(used) == set(instances) and len(used) >= 6
    assert all(_served(base) >= 3 for base in instances)
    work()  # one worker takes the events both instances stored
    with engine.connect() as conn:
        from ivr.hotline import callbacks
        from ivr.hotline import calls
        call = calls.get(conn, caller.call_sid)
        tasks = callbacks.listing(conn, desk="integrationszentrum")
    assert call["outcome"] == "callback_requested"
    assert call["language"] == "en"
    assert json.loads(call["path"])[:4] == ["greeting", "language", "privacy", "announcement"]
    assert [(t["phone"], t["call_sid"]) for t in tasks] == [("+4917612345678", caller.call_sid)]


def test_signature_checked_against_the_public_url(instances):
    """A request signed for the instance's own address is refused: only the public URL counts."""
    own = instances[0]
    caller = Phone(post=lambda url, data, headers: (
        (r := requests.post(url, data=data, headers=headers, timeout=10)).status_code, r.content),
        base=own, token=TOKEN)
    caller.send("/voice/incoming", expect=403)
