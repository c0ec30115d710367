"""Read-your-writes across processes: once a closure change through the API or CLI returns, both gunicorn workers
answer /api/desks and the next call with the new state."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import ROOT
from tests.e2e.conftest import Stack
from tests.e2e.conftest import _wait_http

pytestmark = pytest.mark.e2e
DESK, NUMBER = "auslaenderbehoerde", "+492025634003"
ROUNDS = 30
"""Requests of each kind in a round after a change (in parallel, so both workers take some); every one must see it."""
MAX_ROUNDS = 10
"""Rounds sent at most until both workers have answered."""


def app():
    """Gunicorn entry point: the e2e app, telling which worker answered."""
    from tests.support.serve import app as serve_app

    flask_app = serve_app()

    @flask_app.after_request
    def _worker(response):
        response.headers["X-Worker"] = str(os.getpid())
        return response

    return flask_app


class TwoWorkers(Stack):
    """The e2e stack's web server with two workers that name themselves; no job worker is needed here."""

    def start(self) -> TwoWorkers:
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--timeout", "15", "--error-logfile", str(self.logs / "web.log"),
             "tests.e2e.test_closure_reads:app()"], env=self.env, cwd=ROOT)
        _wait_http(self.base + "/healthz", self.web)
        return self


@pytest.fixture
def web(tmp_path, database_url, redis_url, engine, redis_conn):
    stack = TwoWorkers(tmp_path, database_url, redis_url).start()
    yield stack
    stack.stop()


def _desk_url(stack) -> str:
    """The action URL of the topic menu in German (key 1 leads to the immigration office)."""
    caller = stack.phone()
    caller.call()
    caller.press("1")
    return caller.press("1").gather.attrib["action"]


def _desks(stack) -> tuple[str, bool]:
    response = stack.api("/api/desks")
    assert response.status_code == 200
    desk = next(d for d in response.json()["desks"] if d["id"] == DESK)
    return response.headers["X-Worker"], desk["open_now"]


def _call(stack, url: str) -> tuple[str, bool]:
    """A new call (its own CallSid) pressing 1 in the topic menu; True when it is connected to the desk."""
    caller = stack.phone()
    seen = {}

    def post(target, data, headers):
        import requests

        response = requests.post(target, data=data, headers=headers, timeout=10)
        seen["worker"] = response.headers.get("X-Worker")
        return response.status_code, response.content

    caller.post = post
    turn = caller._turn(url, {"Digits": "1"})
    return seen["worker"], turn.dialed == NUMBER


def _all_see(stack, url: str, open_now: bool) -> None:
    """Every /api/desks answer and every call from now on shows the desk `open_now`, until both workers answered.

    The kernel decides which worker accepts a connection (one may take all of a round while the other still loads
    the app): rounds go on until both have answered, and every answer of every round must show the state."""
    workers: set[str] = set()
    for _ in range(MAX_ROUNDS):
        with ThreadPoolExecutor(4) as pool:
            desks = list(pool.map(lambda _: _desks(stack), range(ROUNDS)))
            calls = list(pool.map(lambda _: _call(stack, url), range(ROUNDS)))
        assert {state for _, state in desks} == {open_now}
        assert {state for _, state in calls} == {open_now}
        workers |= {worker for worker, _ in desks + calls}
        if len(workers) == 2:
            return
    pytest.fail(f"only worker {workers} answered in {MAX_ROUNDS} rounds; both must be shown the change")


def test_closures_and_announcements_reach_every_worker_once_the_api_or_cli_returns(web):
    url = _desk_url(web)
    _all_see(web, url, True)  # both workers have read the closures (and cached the menu steps)
    response = web.api(f"/api/desks/{DESK}/closure", "POST",
                       json={"until": "2026-11-24T18:00:00+01:00", "reason": "Personalversammlung"})
    assert response.status_code == 201
    _all_see(web, url, False)
    ended = subprocess.run([sys.executable, "-m", "ivr", "closure", "end", DESK], env=web.env, cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert ended.returncode == 0, ended.stderr
    assert "1 closure(s) ended" in ended.stdout
    _all_see(web, url, True)
    _announcement_reaches_the_cached_first_step(web)


def _announcement_reaches_the_cached_first_step(web):
    caller = web.phone()
    caller.call()
    language = caller.last.gather.attrib["action"]

    def first_step(_):
        fresh = web.phone()
        return fresh._turn(language, {"Digits": "7"}).text  # English

    with ThreadPoolExecutor(4) as pool:
        assert not any("Evacuation" in text for text in pool.map(first_step, range(20)))
    response = web.api("/api/announcement", "POST", json={
        "until": "2026-11-24T12:00:00+01:00", "message": {"en": "Evacuation drill until noon."}})
    assert response.status_code == 201
    with ThreadPoolExecutor(4) as pool:
        assert all("Evacuation drill until noon." in text for text in pool.map(first_step, range(ROUNDS)))
