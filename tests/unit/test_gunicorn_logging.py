"""Gunicorn's arguments in one place, and its own lines as JSON when the app's are."""

from __future__ import annotations

import json
import logging

from gunicorn.config import Config

from ivr import jsonlog
from ivr.gunicorn_logging import ACCESS_LOG_FORMAT
from ivr.gunicorn_logging import TIMEOUT
from ivr.gunicorn_logging import Logger
from ivr.gunicorn_logging import command


def test_the_command_carries_the_procfiles_settings():
    args = command("ivr:create_app()", "127.0.0.1:8000")
    assert args[0] == "gunicorn" and args[-1] == "ivr:create_app()"
    options = dict(zip(args[1:-1:2], args[2:-1:2], strict=True))
    assert options == {"--bind": "127.0.0.1:8000", "--workers": "2", "--timeout": str(TIMEOUT),
                       "--graceful-timeout": "10", "--access-logfile": "-", "--access-logformat": ACCESS_LOG_FORMAT,
                       "--error-logfile": "-", "--logger-class": "ivr.gunicorn_logging.Logger"}


def test_the_access_line_is_json_without_the_query_string():
    line = ACCESS_LOG_FORMAT % {"t": "[24/Nov/2026:18:30:00 +0000]", "m": "POST", "U": "/voice/step", "s": 200,
                                "M": 12}
    assert json.loads(line) == {"ts": "[24/Nov/2026:18:30:00 +0000]", "logger": "gunicorn.access", "method": "POST",
                                "path": "/voice/step", "status": 200, "ms": 12}
    assert "%(q)s" not in ACCESS_LOG_FORMAT and "%(r)s" not in ACCESS_LOG_FORMAT  # the state rides in the query


def test_gunicorns_own_lines_are_json_with_json_logs(monkeypatch):
    monkeypatch.setenv("IVR_LOG_FORMAT", "json")
    handlers = Logger(Config()).error_log.handlers
    assert handlers and all(isinstance(h.formatter, jsonlog.JsonFormatter) for h in handlers)
    record = logging.LogRecord("gunicorn.error", logging.INFO, __file__, 1, "Booting worker with pid: %s", (7,), None)
    assert json.loads(handlers[0].format(record))["msg"] == "Booting worker with pid: 7"


def test_gunicorns_own_lines_stay_plain_without(monkeypatch):
    monkeypatch.delenv("IVR_LOG_FORMAT", raising=False)
    handlers = Logger(Config()).error_log.handlers
    assert handlers and not any(isinstance(h.formatter, jsonlog.JsonFormatter) for h in handlers)
