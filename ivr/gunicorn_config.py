"""Gunicorn settings for production (`gunicorn -c python:ivr.gunicorn_config 'ivr:create_app()'`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from gunicorn.glogging import Logger

bind = os.environ.get("IVR_BIND", "0.0.0.0:" + os.environ.get("PORT", "8000"))
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 15  # Twilio gives up after 15 s; a stuck request must not hold a worker longer
graceful_timeout = 10
accesslog = "-"
# one JSON object per access line, without the query string (it carries the encrypted call state)
access_log_format = ('{"ts": "%(t)s", "logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", '
                     '"status": %(s)s, "ms": %(M)s}')


class JsonLogger(Logger):
    """gunicorn's own error log (starts, worker boots, timeouts) as JSON lines, like the app's."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        from ivr import jsonlog
        from ivr import logs

        for handler in self.error_log.handlers:
            jsonlog.use_json(handler)
        logs.install()  # the root logger too, before the app is loaded: its first lines are JSON already


if os.environ.get("IVR_LOG_FORMAT") == "json":
    logger_class = JsonLogger


def on_starting(server) -> None:
    """Empty the metrics folder of a previous run, so counters start at zero with the new master."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    """Drop a dead worker's live gauges from the multiprocess metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
