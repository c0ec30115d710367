"""The process container builds each part once, on first use, and closes only what it built."""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from ivr.container import BACKGROUND_REDIS_TIMEOUT
from ivr.container import Container
from ivr.core.errors import FlowValidationError
from ivr.core.errors import ProblemsError
from ivr.settings import ROOT
from tests.factories import TEST_WEB_REDIS_TIMEOUT


def _timeout(conn) -> float:
    return conn.connection_pool.connection_kwargs["socket_timeout"]


def test_nothing_is_built_before_it_is_used(settings):
    container = Container(settings)
    try:
        assert not {"engine", "redis", "store", "closures", "schedules"} & set(vars(container))
        engine = container.engine
        assert container.engine is engine
        assert set(vars(container)) & {"engine", "store", "redis"} == {"engine"}
    finally:
        container.close()


def test_a_command_that_needs_no_flows_works_while_a_flow_file_is_broken(tmp_path, settings, engine):
    flows = tmp_path / "flows"
    shutil.copytree(settings.flows_dir, flows)
    (flows / "hotline.yaml").write_text("version: 1\nnodes: [\n")
    container = Container(settings.model_copy(update={"flows_dir": str(flows)}))
    try:
        with container.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        with pytest.raises(FlowValidationError):
            container.store  # noqa: B018 - building it is the test
        assert "store" not in vars(container)
    finally:
        container.close()


def test_settings_come_from_the_environment_only_when_asked(monkeypatch):
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    container = Container()  # no error yet: a part that needs no settings could still be used
    with pytest.raises(ProblemsError, match="TWILIO_AUTH_TOKEN"):
        container.settings  # noqa: B018
    container.close()


def test_web_processes_wait_on_redis_briefly_background_ones_longer(settings):
    web, worker = Container(settings, web=True), Container(settings)
    try:
        assert _timeout(web.redis) == settings.config.web.redis_timeout_seconds == TEST_WEB_REDIS_TIMEOUT
        assert _timeout(worker.redis) == BACKGROUND_REDIS_TIMEOUT
    finally:
        web.close()
        worker.close()


def test_threads_share_one_part(settings):
    container = Container(settings)
    seen, start = [], threading.Barrier(8)

    def take():
        start.wait()
        seen.append(container.redis)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len({id(conn) for conn in seen}) == 1
    finally:
        container.close()


def test_a_changed_config_is_followed_and_a_broken_one_refused(tmp_path, settings):
    config = tmp_path / "config.yaml"
    shutil.copy(ROOT / "config.yaml", config)
    container = Container(settings.model_copy(update={"config_path": str(config)}))
    try:
        assert container.follow_config().desks["info"].callback_promise_hours == 8
        schedules = container.schedules
        config.write_text(config.read_text().replace("callback_promise_hours: 8", "callback_promise_hours: 4"))
        os.utime(config, (1, 1))  # a distinct mtime even within the same second
        assert container.follow_config().desks["info"].callback_promise_hours == 4
        assert container.settings.desks["info"].callback_promise_hours == 4
        assert container.schedules is not schedules  # office hours rebuilt from the new config
        config.write_text(config.read_text().replace("callback_promise_hours: 4", "callback_promise_hours: -1"))
        os.utime(config, (2, 2))
        assert container.follow_config().desks["info"].callback_promise_hours == 4  # broken change refused
    finally:
        container.close()


def test_close_runs_the_closers_first_and_closes_what_was_built(settings):
    container = Container(settings)
    order = []
    conn = container.redis
    container.on_close(lambda: order.append(conn.ping()))  # the closer still has Redis
    container.close()
    assert order == [True]
    assert "store" not in vars(container) and "closures" not in vars(container)  # never built, never started
