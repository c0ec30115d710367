"""Click-to-call and voice messages against a local stand-in of Twilio's REST API on loopback."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa

from ivr.store.db import task_history
from tests.factories import make_settings
from tests.support.loopback import LoopbackServer

SID = "AC" + "1" * 32
"""The test's Twilio account."""
STAFF_PHONE = "+4915112345678"


class StandIn:
    """Answers like Twilio's REST API and records every request it gets."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 201
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self, body: bytes) -> None:
                owner.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "form": {k: v[0] for k, v in parse_qs(body.decode()).items()},
                    }
                )

            def do_POST(self):  # noqa: N802 (http.server's naming)
                self._record(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                body = json.dumps({"sid": "CA" + "9" * 32, "account_sid": SID, "status": "queued"}).encode()
                if owner.status != 201:
                    refusal = {"code": 21215, "message": "Geo permission", "status": owner.status}
                    body = json.dumps(refusal).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                self._record(b"")
                body = b"ID3-fake-mp3"
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = LoopbackServer(Handler)
        self.base = self.http.base

    def __enter__(self) -> StandIn:
        self.http.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.http.__exit__(*exc)


@pytest.fixture
def twilio():
    with StandIn() as stand_in:
        yield stand_in


@pytest.fixture
def settings(tmp_path, database_url, redis_url, engine, redis_conn, twilio):
    return make_settings(
        tmp_path, database_url, redis_url, twilio_account_sid=SID, twilio_api_base=twilio.base
    )


def test_call_back_rings_staff_then_caller_with_the_hotline_as_caller_id(people, make_task, twilio, engine):
    task = make_task(phone="+4917699887766")
    anna = people("anna", phone=STAFF_PHONE)
    page = anna.get(f"/staff/tasks/{task}").get_data(as_text=True)
    assert 'id="call" disabled' not in page
    response = anna.post(f"/staff/tasks/{task}/call")
    assert response.status_code == 302
    [sent] = twilio.requests
    assert sent["method"] == "POST"
    assert sent["path"] == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert sent["headers"]["Authorization"].startswith("Basic ")
    form = sent["form"]
    assert form["To"] == STAFF_PHONE
    assert form["From"] == "+4920274763333"
    twiml = ET.fromstring(form["Twiml"])
    dial = twiml.find("Dial")
    assert dial is not None and dial.get("callerId") == "+4920274763333"
    assert dial.findtext("Number") == "+4917699887766"
    assert STAFF_PHONE not in form["Twiml"]  # the caller never learns the staff number
    with engine.connect() as conn:
        kinds = conn.execute(
            sa.select(task_history.c.kind).where(task_history.c.callback_id == task)
        ).scalars()
        assert list(kinds) == ["claim", "call"]
    assert "Ihr Telefon klingelt gleich" in anna.get(f"/staff/tasks/{task}").get_data(as_text=True)


def test_call_back_needs_the_staff_phone(people, make_task, twilio):
    task = make_task()
    anna = people("anna")  # no phone set
    assert anna.post(f"/staff/tasks/{task}/call").status_code == 409
    assert twilio.requests == []


def test_voice_message_not_copied_yet_is_played_from_twilio(people, make_task, twilio):
    """Played through the worker's own download: the URL is rebuilt from the SID, nothing stored or deleted."""
    sid = "RE" + "1" * 32
    task = make_task(recording_url="https://elsewhere.example/anything", recording_sid=sid)
    anna = people("anna")
    response = anna.get(f"/staff/tasks/{task}/recording")
    assert response.status_code == 200 and response.data == b"ID3-fake-mp3"
    assert response.mimetype == "audio/wav" and response.headers["Cache-Control"] == "no-store"
    assert [(r["method"], r["path"]) for r in twilio.requests] == [
        ("GET", f"/2010-04-01/Accounts/{SID}/Recordings/{sid}.wav")]
    assert twilio.requests[0]["headers"]["Authorization"].startswith("Basic ")


def test_voice_message_with_twilio_unreachable_is_404_not_500(people, make_task, twilio):
    task = make_task(recording_url="https://api.twilio.com/x", recording_sid="RE" + "2" * 32)
    anna = people("anna")
    twilio.http.server.shutdown()  # Twilio unreachable
    twilio.http.server.server_close()
    assert anna.get(f"/staff/tasks/{task}/recording").status_code == 404


def test_a_refused_call_is_reported_on_the_page(people, make_task, twilio):
    task = make_task()
    anna = people("anna", phone=STAFF_PHONE)
    twilio.status = 400
    response = anna.post(f"/staff/tasks/{task}/call")
    assert response.status_code == 502
    assert "konnte nicht gestartet werden" in response.get_data(as_text=True)
