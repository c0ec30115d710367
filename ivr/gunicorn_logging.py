"""Gunicorn on the command line only: JSON error lines through a logger class, and the shared arguments."""

from __future__ import annotations

from gunicorn.glogging import Logger as BaseLogger

from ivr.settings import env_log_format

ACCESS_LOG_FORMAT = ('{"ts": "%(t)s", "logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", '
                     '"status": %(s)s, "ms": %(M)s}')
"""One JSON object per access line, without the query string (it carries the call state)."""
TIMEOUT = 15
"""Twilio gives up after 15 s; a stuck request must not hold a worker longer."""


class Logger(BaseLogger):
    """gunicorn's logger; with IVR_LOG_FORMAT=json its own messages (starts, timeouts) are JSON lines too."""

    def setup(self, cfg) -> None:  # noqa: ANN001 - gunicorn's Config
        super().setup(cfg)
        if env_log_format() == "json":  # before the app and its settings exist
            from ivr import jsonlog

            for handler in self.error_log.handlers:
                jsonlog.use_json(handler)


def command(app: str, bind: str, workers: int = 2, access_log: str = "-", error_log: str = "-") -> list[str]:
    """The gunicorn arguments of the Procfile's web line, for `ivr dev`, benchmarks and tests."""
    return ["gunicorn", "--bind", bind, "--workers", str(workers), "--timeout", str(TIMEOUT),
            "--graceful-timeout", "10", "--access-logfile", access_log, "--access-logformat", ACCESS_LOG_FORMAT,
            "--error-logfile", error_log, "--logger-class", "ivr.gunicorn_logging.Logger", app]
