"""The quick start as a new user meets it: the README's first command takes a signed call to a callback task."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from ivr.store.redisserver import free_port
from tests.e2e.conftest import ROOT
from tests.support.phone import Phone
from tests.support.phone import digits_in

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    bool(os.environ.get("IVR_TEST_DATABASE_URL")),
    reason="the quick start runs on its embedded defaults (SQLite, private Redis): the first CI pass covers it")]
DEADLINE = 90.0
"""Seconds to wait for the stack to come up or the worker to list a task (waiting, not a measured duration)."""
SECRETS_AND_SERVICES = ("REDIS_URL", "DATABASE_URL", "TWILIO_AUTH_TOKEN", "SECRET_KEY", "IVR_API_TOKEN",
                        "PROMETHEUS_MULTIPROC_DIR", "IVR_TEST_CLOCK_FILE", "PORT", "IVR_INSTANCE_DIR")
PASSWORD = "quick start staff 1"


def readme_first_command() -> list[str]:
    """The first line of the README's quick start code block, without its comment."""
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README has no quick start code block"
    return shlex.split(block.group(1).splitlines()[0], comments=True)


def fresh_env(instance: Path, port: int) -> dict[str, str]:
    """A new user's environment: nothing configured but the port and an empty instance folder."""
    env = {k: v for k, v in os.environ.items() if k not in SECRETS_AND_SERVICES and not k.startswith("IVR_TEST")}
    return dict(env, PORT=str(port), IVR_INSTANCE_DIR=str(instance))


def until(fetch, what: str, process: subprocess.Popen, log: Path):
    """Poll `fetch()` until it returns something truthy; fail at once when the stack died."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        assert process.poll() is None, f"./dev run exited with {process.returncode}:\n{log.read_text()[-3000:]}"
        try:
            result = fetch()
        except requests.RequestException:
            result = None
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {DEADLINE}s\n{log.read_text()[-3000:]}")


def walk_to_callback(phone: Phone) -> None:
    """German, 'for myself', 'residence' -> the foreigners' office; unanswered or closed -> a callback, no message."""
    phone.call()
    for key in ("1", "1", "1"):
        phone.press(key)
    if phone.last.dial is not None:  # the desk is open right now: nobody picks up
        phone.dial_ends("no-answer")
    assert digits_in(phone.last.text) == "015112345678", phone.last.text  # the number read back for the callback
    phone.press("1")  # call me back on this number
    phone.press("3")  # any time
    phone.press("2")  # no SMS
    assert phone.last.record is None and phone.last.gather is not None, phone.last.text  # the voice message offer
    phone.press("2")  # no message
    assert phone.last.hung_up, phone.last.text
    phone.hang_up()


def login(base: str, username: str, password: str) -> requests.Session:
    """Log in through the login form over plain http, as a browser on this machine would."""
    session = requests.Session()
    page = session.get(base + "/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    response = session.post(base + "/login", data={"csrf_token": token.group(1), "username": username,
                                                   "password": password}, timeout=30)
    assert response.status_code == 200 and "/login" not in response.url, response.text[:500]
    return session


def test_readme_quick_start_takes_a_call_to_a_callback_task(tmp_path):
    command = readme_first_command()
    assert command == ["./dev", "run"]
    instance, port, log = tmp_path / "instance", free_port(), tmp_path / "dev.log"
    base = f"http://127.0.0.1:{port}"
    env = fresh_env(instance, port)
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        health = until(lambda: requests.get(base + "/healthz", timeout=5), "the quick start answering", process,
                       log)
        assert health.status_code == 200, health.text
        assert health.json()["failing"] == []
        secrets = json.loads((instance / "dev-secrets.json").read_text())

        session = requests.Session()

        def post(url, data, headers):
            response = session.post(url, data=data, headers=headers, timeout=15)
            return response.status_code, response.content

        phone = Phone(post=post, base=base, token=secrets["TWILIO_AUTH_TOKEN"], caller="+4915112345678")
        walk_to_callback(phone)

        api = {"Authorization": f"Bearer {secrets['IVR_API_TOKEN']}"}

        def listed():
            body = requests.get(base + "/api/callbacks", headers=api, timeout=10).json()
            return next((t for t in body["callbacks"] if t["call_sid"] == phone.call_sid), None)

        task = until(listed, "the callback task in the API", process, log)
        assert task["status"] == "open" and task["desk"] == "auslaenderbehoerde"
        assert task["phone"] == "+4915112345678"

        created = subprocess.run(["./dev", "ivr", "users", "create", "quickstaff", "--role", "staff", "--desk",
                                  task["desk"], "--password", PASSWORD], cwd=ROOT, env=env, capture_output=True,
                                 text=True, timeout=120)
        assert created.returncode == 0, created.stdout + created.stderr
        staff = login(base, "quickstaff", PASSWORD)
        page = staff.get(f"{base}/staff/desks/{task['desk']}", timeout=10)
        assert page.status_code == 200
        row = re.search(rf'<a href="/staff/tasks/{task["id"]}"[^>]*>([^<]+)</a>', page.text)
        assert row, page.text[-2000:]
        assert row.group(1).strip() == "0151 1234 5678"  # as German numbers are written
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = log.read_text()
    assert process.returncode == 0, output[-3000:]
    assert f"{base}/voice/incoming" in output
    assert '"status": 500' not in output  # gunicorn's access lines
    redis_port = int(re.search(r"Redis:\s+redis://127\.0\.0\.1:(\d+)", output).group(1))
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", redis_port), timeout=2):
        pass  # the private Redis stopped with the stack


@pytest.mark.parametrize("variable", ["IVR_INSTANCE_DIR", "PROMETHEUS_MULTIPROC_DIR"])
def test_quick_start_refuses_a_folder_it_cannot_create_in_one_line(tmp_path, variable):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = fresh_env(tmp_path / "instance", free_port())
    env[variable] = str(blocker / "sub")
    process = subprocess.Popen(readme_first_command(), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=DEADLINE)
    finally:
        if process.poll() is None:  # it started the stack instead of refusing: stop all of it
            os.killpg(process.pid, signal.SIGINT)
            process.communicate(timeout=60)
    assert process.returncode == 1
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot create the "), lines
    assert str(blocker / "sub") in lines[0]
