"""Logging that never shows a caller's number: a filter masks phone numbers in every record."""

from __future__ import annotations

import logging

from flask import Flask

from ivr.engine.phones import mask_text
from ivr.settings import LogFormat
from ivr.settings import env_log_format


class MaskPhones(logging.Filter):
    """Replace anything that looks like a phone number in a log message by its masked form."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def install(level: int = logging.INFO, log_format: LogFormat | None = None) -> None:
    """Configure root logging once, with the masking filter on every handler; JSON lines when `log_format` (by
    default IVR_LOG_FORMAT, for a process that logs before its settings load) is "json"."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if not any(isinstance(f, MaskPhones) for f in handler.filters):
            handler.addFilter(MaskPhones())
    if (log_format or env_log_format()) == "json":  # one JSON object a line
        from ivr import jsonlog

        for handler in root.handlers:
            jsonlog.use_json(handler)


def init_app(app: Flask, log_format: LogFormat) -> None:
    """Send the app's logs through the root handlers (masked, JSON when the settings' `log_format` says so), once,
    not Flask's too."""
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    for handler in app.logger.handlers:
        handler.addFilter(MaskPhones())
    install(log_format=log_format)
