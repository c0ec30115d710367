"""Plain log lines never show a caller's number either; the app logs through the root handlers, once."""

from __future__ import annotations

import io
import logging

from flask import Flask
from flask.logging import default_handler

from ivr import logs


def _plain_root(monkeypatch) -> io.StringIO:
    stream = io.StringIO()
    monkeypatch.delenv("IVR_LOG_FORMAT", raising=False)
    monkeypatch.setattr(logging.getLogger(), "handlers", [logging.StreamHandler(stream)])
    return stream


def test_numbers_are_masked_in_plain_lines(monkeypatch):
    stream = _plain_root(monkeypatch)
    logs.install()
    logging.getLogger("ivr.test").warning("callback for %s refused", "+4917612345678")
    assert "callback for +49" in stream.getvalue() and "17612345678" not in stream.getvalue()


def test_install_twice_masks_once(monkeypatch):
    _plain_root(monkeypatch)
    logs.install()
    logs.install()
    (handler,) = logging.getLogger().handlers
    assert [type(f) for f in handler.filters] == [logs.MaskPhones]


def test_the_app_logs_through_the_root_handlers_only(monkeypatch):
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    app = Flask("probe")
    assert default_handler in app.logger.handlers  # with no root handler yet, Flask adds its own (unmasked)
    stream = _plain_root(monkeypatch)
    logs.init_app(app, "plain")
    assert default_handler not in app.logger.handlers
    app.logger.warning("number %s", "+4917612345678")
    assert stream.getvalue().count("number +49") == 1 and "17612345678" not in stream.getvalue()
