"""Publishing flows: checked changes go live, failing ones are rejected, versions shared and rolled back."""

from __future__ import annotations

import logging
import shutil
import socket
import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ivr import create_app
from ivr.cli.main import main
from ivr.core.errors import ProblemsError
from ivr.flowops import versions as flowversions
from ivr.store.db import audit_log
from tests.factories import make_settings

NEW_WHO = "Sie rufen für sich selbst oder für Ihre Familie an?"


@pytest.fixture
def editable(tmp_path, database_url, engine, clock, monkeypatch):
    """An app serving a private copy of flows and config that the test edits."""
    flows = tmp_path / "flows"
    shutil.copytree("flows", flows)
    shutil.copy("config.yaml", tmp_path / "config.yaml")
    settings = make_settings(tmp_path, database_url, None, flows_dir=str(flows),
                             config_path=str(tmp_path / "config.yaml"))
    for name, value in (("DATABASE_URL", database_url), ("IVR_FLOWS_DIR", str(flows)),
                        ("IVR_CONFIG", str(tmp_path / "config.yaml")), ("TWILIO_AUTH_TOKEN", "t"),
                        ("SECRET_KEY", "s")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    app = create_app(settings, clock=clock, TESTING=True)
    yield app, flows
    app.extensions["ivr"].engine.dispose()


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _audit(engine):
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.id))
        return [(r.action, r.target, r.actor) for r in rows]


def test_start_registers_the_files_version_as_active(editable, engine):
    app, _ = editable
    store = app.extensions["ivr"].store
    assert flowversions.active(engine) == store.current.version
    assert [v.published_by for v in flowversions.history(engine)] == ["startup"]


def test_good_change_goes_live_and_calls_in_progress_finish_on_their_version(editable, engine, phone):
    app, flows = editable
    store = app.extensions["ivr"].store
    client = app.test_client()
    old = store.current.version
    caller = phone()
    caller.post = lambda url, data, headers: (lambda r: (r.status_code, r.data))(
        client.post(url, data=data, headers=headers))
    caller.call()
    caller.press("1")  # German; now at the "who" menu on the old version
    _edit(flows / "prompts.yaml", NEW_WHO, "Neu: Rufen Sie für sich selbst an?")
    bundle = store.publish_files(actor="anna")
    assert bundle.version != old and store.current.version == bundle.version
    assert client.get("/healthz").get_json()["flows_version"] == bundle.version
    assert NEW_WHO in caller.press("*").text  # repeat: still the version the call started on
    fresh = phone()
    fresh.post = caller.post
    fresh.call()
    assert "Neu: Rufen Sie" in fresh.press("1").text
    assert ("flows.publish", f"flow_version:{bundle.version}", "anna") in _audit(engine)


def test_a_watched_change_is_published_by_the_settings_name_or_the_host(editable, engine, clock):
    app, flows = editable
    named = create_app(app.extensions["ivr"].settings.model_copy(update={"published_by": "deploy-bot"}), clock=clock,
                       TESTING=True)
    try:
        _edit(flows / "prompts.yaml", NEW_WHO, "Neu: Rufen Sie für sich selbst an?")
        named.extensions["ivr"].store.poll()  # IVR_PUBLISHED_BY=deploy-bot
        _edit(flows / "prompts.yaml", "Neu: Rufen Sie", "Neu: Rufen Sie heute")
        app.extensions["ivr"].store.poll()  # unset
    finally:
        named.extensions["ivr"].engine.dispose()
    assert sorted(v.published_by for v in flowversions.history(engine)) == \
        sorted(["startup", "deploy-bot", f"file-watch@{socket.gethostname()}"])


def test_failing_change_is_rejected_logged_and_the_old_version_stays(editable, engine, caplog):
    app, flows = editable
    store = app.extensions["ivr"].store
    old = store.current.version
    _edit(flows / "hotline.yaml", '      "2": desk_helpers', '      "2": desk_nowhere')
    with caplog.at_level(logging.ERROR, logger="ivr.flowops.flowstore"):
        store.poll()  # what the watcher thread does every 2 seconds
    assert "flows change rejected, version " + old + " stays live" in caplog.text
    assert "unknown node 'desk_nowhere'" in caplog.text
    with pytest.raises(ProblemsError) as raised:
        store.publish_files()
    assert "leads to unknown node 'desk_nowhere'" in str(raised.value)
    assert store.current.version == old and flowversions.active(engine) == old


def test_another_instance_loads_any_stored_version_and_follows_rollback(editable, engine, tmp_path, clock,
                                                                     database_url):
    app, flows = editable
    store = app.extensions["ivr"].store
    first = store.current.version
    _edit(flows / "prompts.yaml", NEW_WHO, "Zweite Fassung?")
    clock.advance(minutes=1)  # newer than the first: history lists it first (equal times fall back to the hash)
    second = store.publish_files(actor="anna").version
    other = tmp_path / "other"  # a second instance that never saw the first version's files
    shutil.copytree(flows, other / "flows")
    shutil.copy(tmp_path / "config.yaml", other / "config.yaml")
    twin = create_app(make_settings(other, database_url, None, flows_dir=str(other / "flows"),
                                    config_path=str(other / "config.yaml")), clock=clock, TESTING=True)
    twin_store = twin.extensions["ivr"].store
    assert twin_store.current.version == second
    assert twin_store.get(first).version == first  # from the shared database
    result = CliRunner().invoke(main, ["flows", "rollback", first, "--by", "bob"])
    assert result.exit_code == 0, result.output
    store.poll()
    twin_store.poll()
    assert store.current.version == first and twin_store.current.version == first
    assert ("flows.rollback", f"flow_version:{first}", "bob") in _audit(engine)
    history = CliRunner().invoke(main, ["flows", "history"])
    lines = history.output.splitlines()
    assert lines[0].startswith("  " + second) and "by anna" in lines[0]
    assert lines[1].startswith("* " + first) and "by startup" in lines[1]
    twin.extensions["ivr"].engine.dispose()


def test_workers_publishing_one_version_at_the_same_moment_store_it_once(editable, engine, clock):
    """gunicorn starts its workers together and each registers the files' version: no insert may fail."""
    app, _ = editable
    sources = flowversions.Sources.read(*[getattr(app.extensions["ivr"].settings, n)
                                          for n in ("flows_dir", "config_path")])
    for round_ in range(5):
        version, barrier, failures = f"race{round_}", threading.Barrier(8), []

        def start_worker(version=version, barrier=barrier, failures=failures):
            barrier.wait()
            try:
                flowversions.publish(engine, version, sources, "startup", clock(), record=False)
            except Exception as exc:  # noqa: BLE001 - the test reports whatever a worker would have logged
                failures.append(type(exc).__name__)

        threads = [threading.Thread(target=start_worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert flowversions.active(engine) == version
    assert sorted(v.id for v in flowversions.history(engine) if v.id.startswith("race")) == \
        [f"race{n}" for n in range(5)]


def test_publish_command_checks_first(editable, engine):
    app, flows = editable
    _edit(flows / "prompts.yaml", NEW_WHO, "Per Kommando?")
    result = CliRunner().invoke(main, ["flows", "publish", "--by", "carla"])
    assert result.exit_code == 0, result.output
    version = result.output.splitlines()[-1].split()[3].rstrip(";")
    assert flowversions.active(engine) == version
    _edit(flows / "hotline.yaml", "    on_failure: desk_info\n", "    on_failure: nowhere\n")
    result = CliRunner().invoke(main, ["flows", "publish"])
    assert result.exit_code == 1 and "nothing published" in result.output
    assert flowversions.active(engine) == version
