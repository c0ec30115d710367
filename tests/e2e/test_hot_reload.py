"""Hot reload on a running gunicorn: a good change is served without restart, a bad one rejected, logged."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import requests

from ivr.flowops.versions import Sources
from tests.e2e.conftest import ROOT
from tests.e2e.conftest import Stack
from tests.e2e.conftest import _wait_http

pytestmark = pytest.mark.e2e
WHO = "Sie rufen für sich selbst oder für Ihre Familie an?"


@pytest.fixture
def served(tmp_path, database_url, redis_url, engine, redis_conn):
    """gunicorn serving a copy of flows and config, watching them every 0.2 s; app logs go to a file."""
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    stack = Stack(tmp_path, database_url, redis_url)
    stack.env.update(IVR_FLOWS_DIR=str(flows), IVR_CONFIG=str(tmp_path / "config.yaml"),
                     IVR_FLOWS_WATCH="0.2")
    log = stack.logs / "app.log"
    stack.web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{stack.port}", "--workers", "2",
         "--timeout", "15", "--error-logfile", str(stack.logs / "web.log"), "tests.support.serve:app()"],
        env=stack.env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    _wait_http(stack.base + "/healthz", stack.web)
    yield stack, flows, log
    stack.stop()


def _version(stack) -> str:
    return requests.get(stack.base + "/healthz", timeout=5).json()["flows_version"]


def test_good_change_served_bad_change_rejected(served, tmp_path):
    stack, flows, log = served
    old = _version(stack)
    prompts = flows / "prompts.yaml"
    prompts.write_text(prompts.read_text(encoding="utf-8").replace(WHO, "Neue Frage?", 1), encoding="utf-8")
    sources = Sources.read(flows, tmp_path / "config.yaml")
    new = sources.check(ROOT / "ivr" / "static" / "audio").bundle.version
    assert new != old
    # both gunicorn workers switch: ask often enough to meet each of them
    stack.eventually(lambda: {_version(stack) for _ in range(6)}, lambda seen: seen == {new})
    caller = stack.phone()
    caller.call()
    assert "Neue Frage?" in caller.press("1").text

    hotline = flows / "hotline.yaml"
    hotline.write_text(hotline.read_text(encoding="utf-8").replace('"2": desk_helpers', '"2": desk_gone', 1),
                       encoding="utf-8")
    # each process rejects it; one that had not yet picked up the good change (the kernel may have sent every
    # version check above to the other) names its older version, then takes the new one from the database
    stack.eventually(lambda: log.read_text(encoding="utf-8"),
                     lambda text: text.count("flows change rejected, version ") >= 2)
    assert "unknown node 'desk_gone'" in log.read_text(encoding="utf-8")
    stack.eventually(lambda: {_version(stack) for _ in range(6)}, lambda seen: seen == {new})
    caller = stack.phone()
    caller.call()
    assert "Neue Frage?" in caller.press("1").text  # the good change is what callers keep hearing
