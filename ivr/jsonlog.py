"""One JSON object per log line, carrying the call sid or the RQ job id; phone numbers masked.

python-json-logger writes the lines; this module adds the context and our key names. The switch from a
hand-written formatter cost no webhook throughput: a webhook writes no log line (docs/benchmarks.md, "JSON logs")."""

from __future__ import annotations

import logging
import re
from typing import Any

from pythonjsonlogger.json import JsonFormatter as LibraryFormatter

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


class JsonFormatter(LibraryFormatter):
    """python-json-logger's formatter with our keys: ts, level, logger, msg, call_sid, job_id, exc."""

    def __init__(self) -> None:
        super().__init__("{levelname}{name}{message}", style="{", timestamp="ts", json_ensure_ascii=False,
                         rename_fields={"levelname": "level", "name": "logger", "message": "msg", "exc_info": "exc"})

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        """Put `ts` first, in milliseconds; leave out empty keys; mask phone numbers in every text."""
        line = {"ts": log_data.pop("ts").isoformat(timespec="milliseconds")}
        for key, value in log_data.items():
            if value is not None:
                line[key] = mask_text(value) if isinstance(value, str) else value
        return line


def use_json(handler: logging.Handler) -> None:
    """Switch one handler to JSON lines with call and job context."""
    handler.setFormatter(JsonFormatter())
    if not any(isinstance(f, ContextFilter) for f in handler.filters):
        handler.addFilter(ContextFilter())
