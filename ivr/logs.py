"""Logging that never shows a caller's number: a filter masks phone numbers in every record."""

from __future__ import annotations

import logging
import os

from flask import Flask

from ivr.engine.phones import mask_text


class MaskPhones(logging.Filter):
    """Replace anything that looks like a phone number in a log message by its masked form."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def install(level: int = logging.INFO) -> None:
    """Configure root logging once, with the masking filter on every handler."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if not any(isinstance(f, MaskPhones) for f in handler.filters):
            handler.addFilter(MaskPhones())
    if os.environ.get("IVR_LOG_FORMAT") == "json":  # one JSON object a line
        from ivr import jsonlog

        for handler in root.handlers:
            jsonlog.use_json(handler)


def init_app(app: Flask) -> None:
    """Send the app's logs through the root handlers (masked, JSON when asked), once, not Flask's too."""
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    for handler in app.logger.handlers:
        handler.addFilter(MaskPhones())
    install()
