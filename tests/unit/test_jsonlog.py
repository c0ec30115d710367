"""Structured logs: one JSON object a line, with call sid or job id, and no clear phone number."""

from __future__ import annotations

import io
import json
import logging

from ivr import logs
from tests.factories import call_form


def _json_root(monkeypatch, caplog) -> io.StringIO:
    """Route the root logger to one JSON handler the way `IVR_LOG_FORMAT=json` sets it up."""
    stream = io.StringIO()
    monkeypatch.setenv("IVR_LOG_FORMAT", "json")
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [logging.StreamHandler(stream)])
    # Through setLevel (caplog restores it the same way): assigning root.level would leave every logger's cached
    # isEnabledFor answer from earlier tests in place, and their INFO lines would be dropped.
    caplog.set_level(logging.INFO)
    logs.install()
    return stream


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_webhook_log_line_carries_call_sid_and_masks_the_number(app, monkeypatch, caplog):
    stream = _json_root(monkeypatch, caplog)
    form = call_form()
    with app.test_request_context("/voice/step", method="POST", data=form):
        logging.getLogger("ivr.web.voice.views").warning("number %s not accepted", "+4917612345678")
    (line,) = _lines(stream)
    assert line["call_sid"] == form["CallSid"]
    assert line["level"] == "WARNING" and line["logger"] == "ivr.web.voice.views"
    assert "17612345678" not in stream.getvalue()


def test_a_calls_job_logs_are_json_with_job_id_and_call_sid(phone, work, clock, monkeypatch, caplog):
    clock.set("2026-11-24 19:30")  # closed: the caller asks for a callback on her own number
    caller = phone(caller="+4917612345678")
    caller.call()
    caller.press("7")
    caller.press("1")
    caller.press("4")
    caller.press("1")
    caller.press("2")
    caller.hang_up()
    stream = _json_root(monkeypatch, caplog)
    work()
    lines = _lines(stream)  # every line parses as JSON
    assert lines
    mine = [line for line in lines if line.get("call_sid") == caller.call_sid]
    assert any("callback task" in line["msg"] for line in mine)
    assert all(line["job_id"].startswith("event-") for line in mine)
    text = stream.getvalue()
    assert "17612345678" not in text and "4917612345678" not in text


def test_exception_text_is_masked(monkeypatch, caplog):
    stream = _json_root(monkeypatch, caplog)
    try:
        raise ValueError("bad number +4917612345678")
    except ValueError:
        logging.getLogger("ivr.test").exception("job failed")
    (line,) = _lines(stream)
    assert "ValueError" in line["exc"]
    assert "17612345678" not in stream.getvalue()


def test_plain_format_stays_default(monkeypatch):
    stream = io.StringIO()
    monkeypatch.delenv("IVR_LOG_FORMAT", raising=False)
    monkeypatch.setattr(logging.getLogger(), "handlers", [logging.StreamHandler(stream)])
    logs.install()
    logging.getLogger("ivr.test").warning("hello")
    assert not stream.getvalue().startswith("{")


def test_a_line_has_our_keys_in_order_and_none_empty(monkeypatch, caplog):
    stream = _json_root(monkeypatch, caplog)
    logging.getLogger("ivr.test").info("hello")
    (line,) = _lines(stream)
    assert list(line) == ["ts", "level", "logger", "msg"]  # no call or job here: no empty keys
    assert line["ts"].endswith("+00:00") and len(line["ts"].split(".")[1]) == len("123+00:00")  # milliseconds, UTC


def test_extra_fields_are_kept_and_masked(monkeypatch, caplog):
    stream = _json_root(monkeypatch, caplog)
    logging.getLogger("ivr.test").warning("callback refused", extra={"caller": "+4917612345678", "attempts": 3})
    (line,) = _lines(stream)
    assert line["attempts"] == 3 and line["caller"].startswith("+49") and "17612345678" not in line["caller"]
