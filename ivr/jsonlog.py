"""One JSON object per log line, carrying the call sid or the RQ job id; phone numbers masked."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC
from datetime import datetime

from ivr.engine.phones import mask_text

CALL_SID = re.compile(r"\bCA[0-9a-fA-F]{32}\b")
"""A Twilio call sid inside a message ("call CA...: ...")."""


def _request_call_sid() -> str | None:
    from flask import g
    from flask import has_request_context
    from flask import request

    if has_request_context() and request.blueprint == "voice" and request.method == "POST":
        hook = g.get("ivr_hook")  # the webhook's fields, read once by the signature check (the body is consumed)
        return ((hook.fields.get("CallSid") if hook else request.form.get("CallSid")) or "")[:64] or None
    return None


class ContextFilter(logging.Filter):
    """Add `call_sid` (from the webhook or the message) and `job_id` (the running RQ job) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "call_sid", None):
            found = CALL_SID.search(record.getMessage())
            record.call_sid = found.group(0) if found else _request_call_sid()
        if not getattr(record, "job_id", None):
            from rq import get_current_job

            job = get_current_job()
            record.job_id = job.id if job is not None else None
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON: ts, level, logger, msg, call_sid, job_id, exc."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask_text(record.getMessage()),
        }
        for key in ("call_sid", "job_id"):
            value = getattr(record, key, None)
            if value:
                line[key] = value
        if record.exc_info:
            line["exc"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def use_json(handler: logging.Handler) -> None:
    """Switch one handler to JSON lines with call and job context."""
    handler.setFormatter(JsonFormatter())
    if not any(isinstance(f, ContextFilter) for f in handler.filters):
        handler.addFilter(ContextFilter())
