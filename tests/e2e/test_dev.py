"""The quick start: `ivr dev` brings up Redis, worker and web on the embedded defaults and prints the URLs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from ivr.redisserver import free_port
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_ivr_dev_serves_the_hotline(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "TWILIO_AUTH_TOKEN",
                                                            "SECRET_KEY", "IVR_API_TOKEN")}
    env["IVR_INSTANCE_DIR"] = str(tmp_path / "instance")
    process = subprocess.Popen([sys.executable, "-m", "ivr", "dev", "--port", str(port)], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and health is None:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
            except requests.RequestException:
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.3)
        assert health is not None, "ivr dev did not come up"
        assert health["redis"] == "ok" and health["database"] == "ok"
        assert (tmp_path / "instance" / "dev-secrets.json").exists()
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/voice/incoming" in output
    assert process.returncode == 0, output[-2000:]
