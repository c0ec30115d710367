"""The web's view of the container: flows checked when the app is set up, watched only by a served app."""

from __future__ import annotations

import shutil

import pytest
from flask import Flask

from ivr.container import Container
from ivr.core.errors import FlowValidationError
from ivr.web import services


def _app(testing: bool) -> Flask:
    app = Flask(__name__)
    app.testing = testing
    return app


def test_each_app_finds_its_own_container(settings):
    first, second = Container(settings), Container(settings)
    apps = [_app(True), _app(True)]
    try:
        for app, container in zip(apps, (first, second), strict=True):
            services.init_app(app, container)
        for app, container in zip(apps, (first, second), strict=True):
            with app.app_context():
                assert services.services() is container
    finally:
        first.close()
        second.close()


def test_invalid_flows_stop_the_setup_not_the_first_call(tmp_path, settings):
    flows = tmp_path / "flows"
    shutil.copytree(settings.flows_dir, flows)
    (flows / "hotline.yaml").write_text("version: 1\nnodes: [\n")
    container = Container(settings.model_copy(update={"flows_dir": str(flows)}))
    try:
        with pytest.raises(FlowValidationError):
            services.init_app(_app(True), container)
    finally:
        container.close()


@pytest.mark.parametrize(("testing", "watch", "watched"), [(False, "30", True), (False, "0", False),
                                                           (True, "30", False)])
def test_only_a_served_app_watches_the_flow_files(settings, testing, watch, watched):
    container = Container(settings.model_copy(update={"flows_watch_seconds": float(watch)}))
    try:
        services.init_app(_app(testing), container)
        assert (container.store._thread is not None) is watched
    finally:
        container.close()
