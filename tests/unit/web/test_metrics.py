"""GET /metrics: webhook counters and latency, queue and outbox gauges, callbacks per desk, reachability."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from ivr import gunicorn_logging
from ivr.store.db import callbacks
from ivr.store.redisserver import free_port
from ivr.web import metrics
from tests.factories import TOKEN
from tests.support.phone import Phone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _task(conn, desk, due, number):
    conn.execute(callbacks.insert().values(desk=desk, phone=f"+49176000000{number}", language="de",
                                           call_sid=f"CA{number}", status="open", attempts=0,
                                           created_at=due, due_at=due, updated_at=due))


def test_webhook_counted_by_endpoint_and_status(client, phone):
    before = _samples(client.get("/metrics").data)
    caller = phone()
    caller.call()
    caller.press("1")
    client.post("/voice/step", data={"CallSid": "CAx"})  # unsigned: 403
    after = _samples(client.get("/metrics").data)
    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("ivr_webhook_requests_total", endpoint="incoming", status="200") == 1
    assert delta("ivr_webhook_requests_total", endpoint="step", status="200") == 1
    assert delta("ivr_webhook_requests_total", endpoint="step", status="403") == 1
    assert delta("ivr_webhook_latency_seconds_count", endpoint="incoming") == 1
    assert ("ivr_webhook_latency_seconds_bucket", (("endpoint", "incoming"), ("le", "0.1"))) in after


def test_metrics_are_public_text_without_personal_data(client, phone):
    phone(caller="+4917699887766").call()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    assert b"17699887766" not in response.data
    assert b"/metrics" not in response.data  # only webhooks are counted


def test_scrape_time_gauges(app, client, phone, engine, clock, redis_conn):
    now = clock()
    with engine.begin() as conn:
        _task(conn, "info", now - timedelta(hours=1), 1)
        _task(conn, "info", now + timedelta(hours=5), 2)
        _task(conn, "zebera", now + timedelta(hours=5), 3)
    caller = phone()
    caller.call()
    caller.hang_up()  # one status event waiting in the outbox and one job queued
    app.extensions["ivr.web.voice"].intake.flush()  # the web process queues jobs from a thread: have it queued now
    samples = _samples(client.get("/metrics").data)
    assert _value(samples, "ivr_callbacks_open", desk="info") == 2
    assert _value(samples, "ivr_callbacks_overdue", desk="info") == 1
    assert _value(samples, "ivr_callbacks_open", desk="zebera") == 1
    assert _value(samples, "ivr_callbacks_overdue", desk="zebera") == 0
    assert _value(samples, "ivr_outbox_backlog") == 1
    assert _value(samples, "ivr_jobs", queue="calls", state="queued") == 1
    assert _value(samples, "ivr_jobs", queue="calls", state="failed") == 0
    assert _value(samples, "ivr_redis_up") == 1
    assert _value(samples, "ivr_database_up") == 1


def test_gauges_are_cached_between_scrapes(app, client, engine, clock):
    client.get("/metrics")
    now = clock()
    with engine.begin() as conn:
        _task(conn, "info", now, 9)
    assert _value(_samples(client.get("/metrics").data), "ivr_callbacks_open", desk="info") == 0
    app.extensions["ivr.web.metrics"].ttl = 0
    assert _value(_samples(client.get("/metrics").data), "ivr_callbacks_open", desk="info") == 1


def test_unreachable_redis_reported(settings, clock):
    from ivr import create_app

    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    app = create_app(broken, clock=clock, TESTING=True)
    samples = _samples(app.test_client().get("/metrics").data)
    app.extensions["ivr"].engine.dispose()
    assert _value(samples, "ivr_redis_up") == 0
    assert _value(samples, "ivr_database_up") == 1


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    """Two processes write into PROMETHEUS_MULTIPROC_DIR; one scrape sees the sum (as under gunicorn)."""
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path), PYTHONPATH=ROOT)
    count = "from ivr.web import metrics; metrics.REQUESTS.labels('incoming', '200').inc(); " \
            "metrics.LATENCY.labels('incoming').observe(0.01)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)
    scrape = ("import sys; from prometheus_client import generate_latest; from ivr.web import metrics; "
              "sys.stdout.write(generate_latest(metrics.registry(None)).decode())")
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, capture_output=True).stdout
    samples = _samples(out)
    assert _value(samples, "ivr_webhook_requests_total", endpoint="incoming", status="200") == 2
    assert _value(samples, "ivr_webhook_latency_seconds_count", endpoint="incoming") == 2


def test_single_process_registry_without_multiproc_dir(monkeypatch):
    monkeypatch.delenv(metrics.MULTIPROC_ENV, raising=False)
    names = {m.name for m in metrics.registry(None).collect()}
    assert {"ivr_webhook_requests", "ivr_webhook_latency_seconds"} <= names


@pytest.mark.e2e
def test_procfile_web_line_reports_one_sum_over_workers(tmp_path, database_url, redis_url, engine, redis_conn):
    """The Procfile's own web line, two workers: every scrape sums all requests; a stale folder is emptied;
    every log line is JSON."""
    folder = tmp_path / "prometheus"
    port = free_port()
    env = dict(os.environ, TWILIO_AUTH_TOKEN="token", SECRET_KEY="secret", DATABASE_URL=database_url,
               REDIS_URL=redis_url, IVR_INSTANCE_DIR=str(tmp_path / "instance"), PYTHONPATH=ROOT,
               PROMETHEUS_MULTIPROC_DIR=str(folder), PORT=str(port), WEB_CONCURRENCY="2", IVR_LOG_FORMAT="json",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    folder.mkdir()
    (folder / "stale_from_last_run.db").write_bytes(b"")
    web = next(line for line in (Path(ROOT) / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assert " -c " not in web and "--config" not in web  # settings on the command line, no config file
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(["bash", "-c", web.removeprefix("web:").strip()], env=env, cwd=ROOT,
                              stdout=(tmp_path / "stdout.log").open("w"), stderr=(tmp_path / "stderr.log").open("w"))
    try:
        _wait(base + "/healthz", server)
        assert not (folder / "stale_from_last_run.db").exists()
        session = requests.Session()
        for _ in range(20):  # unsigned: 403, counted like any webhook answer
            session.post(base + "/voice/incoming", data={"CallSid": "CA1"}, timeout=5)
        for _ in range(6):  # whichever worker answers the scrape, it reports both workers' counts
            samples = _samples(requests.get(base + "/metrics", timeout=5).content)
            assert _value(samples, "ivr_webhook_requests_total", endpoint="incoming", status="403") == 20
    finally:
        server.terminate()
        server.wait(10)
    lines = [line for name in ("stdout.log", "stderr.log")
             for line in (tmp_path / name).read_text().splitlines() if line.strip()]
    assert [line for line in lines if not line.startswith("{")] == []
    records = [json.loads(line) for line in lines]
    messages = [r.get("msg", "") for r in records]
    assert any("Booting worker" in m for m in messages)  # gunicorn's own, as JSON
    assert any("hotline ready" in m for m in messages)  # the app's
    assert sum(r.get("logger") == "gunicorn.access" and r["path"] == "/voice/incoming" for r in records) == 20


def _wait(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:  # refused, or queued while a loaded machine boots the workers
            time.sleep(0.1)  # waiting for the server to come up, not an assertion
    raise RuntimeError(f"{url} did not answer")


@pytest.mark.e2e
def test_missing_metrics_folder_never_fails_a_webhook(tmp_path, database_url, redis_url, engine, redis_conn):
    """The quick start's defect: PROMETHEUS_MULTIPROC_DIR named a folder that was not there (and here cannot be
    created). Calls are answered, the failure is logged once, /healthz and /metrics name it; fixed, all recover."""
    blocker = tmp_path / "blocked"
    blocker.write_text("")  # a file where the folder's parent should be: the folder cannot be created
    folder = blocker / "metrics"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp_path / "clock").write_text("2026-11-24T09:00:00+00:00")  # a Tuesday morning: desks open
    env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="secret", DATABASE_URL=database_url,
               REDIS_URL=redis_url, IVR_INSTANCE_DIR=str(tmp_path / "instance"), PYTHONPATH=ROOT,
               IVR_TEST_CLOCK_FILE=str(tmp_path / "clock"), PROMETHEUS_MULTIPROC_DIR=str(folder))
    log = tmp_path / "web.log"
    with log.open("w") as out:  # gunicorn's lines and the app's (stderr) in one file
        server = subprocess.Popen(
            [sys.executable, "-m", *gunicorn_logging.command("tests.support.serve:app()", f"127.0.0.1:{port}",
                                                             workers=1)],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    session = requests.Session()

    def post(url, data, headers):
        response = session.post(url, data=data, headers=headers, timeout=10)
        return response.status_code, response.content

    try:
        _wait(base + "/healthz", server)
        for _ in range(2):
            caller = Phone(post=post, base=base, token=TOKEN)
            caller.call()
            caller.press("1")  # every answer 200 (Phone asserts it), none a 500
            caller.hang_up()
        health = requests.get(base + "/healthz", timeout=5)
        assert health.status_code == 503
        assert health.json()["failing"] == ["metrics"] and health.json()["metrics"] == "folder missing"
        scrape = requests.get(base + "/metrics", timeout=5)
        assert scrape.status_code == 503 and "metrics unavailable" in scrape.text

        blocker.unlink()
        folder.mkdir(parents=True)  # an operator fixes it while the server runs
        caller = Phone(post=post, base=base, token=TOKEN)
        caller.call()
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
        samples = _samples(requests.get(base + "/metrics", timeout=5).content)
        assert _value(samples, "ivr_webhook_requests_total", endpoint="incoming", status="200") == 1

        shutil.rmtree(folder)
        folder.mkdir()  # emptied under the running process: its counts would silently vanish from /metrics
        Phone(post=post, base=base, token=TOKEN).call()
        health = requests.get(base + "/healthz", timeout=5).json()
        assert health["failing"] == ["metrics"] and health["metrics"].startswith("files gone")
    finally:
        server.terminate()
        server.wait(10)
    text = log.read_text()
    assert '"status": 500' not in text
    assert text.count("cannot create the metrics folder") == 1
    assert text.count("metrics write failed") == 1  # once, not once per webhook
    assert "metrics writes work again" in text
    assert str(tmp_path) not in text  # paths are not logged
