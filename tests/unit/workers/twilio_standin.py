"""A local stand-in of Twilio's REST API, Basic auth: recordings (GET <sid>.wav, DELETE <sid>.json), calls
(POST Calls.json places one, POST Calls/<sid>.json with Status ends one) and messages (POST Messages.json sends an
SMS), each call and message kept with its exact parameters."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

from tests.support.loopback import LoopbackServer

WAV = (b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00"
       b"data\x00\x00\x00\x00")
_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Recordings/(RE\w+)\.(wav|json)$")
_CALLS = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls(?:/(CA\w+))?\.json$")
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")


@dataclass
class PlacedCall:
    """A call the service asked Twilio to place: the form it sent, as sent, and what happened to it since."""

    sid: str
    params: dict[str, str]
    status: str = "queued"
    updates: list[dict[str, str]] = field(default_factory=list)

    @property
    def query(self) -> dict[str, str]:
        """The `e` and `u` of its webhook URL (the queue entry and the person offered)."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.params.get("Url", "")).query).items()}


@dataclass
class SentMessage:
    """An SMS the service asked Twilio to send: the form it sent, as sent."""

    sid: str
    params: dict[str, str]


class TwilioStandIn:
    """Serves recordings until they are deleted; remembers every request (method, path, user)."""

    def __init__(self, account: str, secret: str):
        self.account, self.secret = account, secret
        self.recordings: dict[str, bytes] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.fail_downloads = 0
        self.calls: list[PlacedCall] = []
        self.fail_calls: list[int] = []
        """HTTP statuses the next calls are refused with, first first (then calls are placed again)."""
        self.hold_calls: threading.Event | None = None
        """When set to an Event: a call request is recorded, then answered only once the Event is set."""
        self.call_delay = 0.0
        """Seconds each call request takes (Twilio's latency), to widen a race between two workers."""
        self.messages: list[SentMessage] = []
        self.fail_messages: list[int] = []
        """HTTP statuses the next messages are refused with, first first (then messages are sent again)."""
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, method: str) -> None:
                auth = self.headers.get("Authorization", "")
                user, _, password = base64.b64decode(auth.removeprefix("Basic ") or b"").decode().partition(":")
                stand_in.requests.append((method, self.path, user))
                match = _PATH.match(self.path)
                calls = _CALLS.match(self.path)
                messages = _MESSAGES.match(self.path)
                if user != stand_in.account or password != stand_in.secret:
                    self._reply(401)
                elif messages and method == "POST" and messages.group(1) == stand_in.account:
                    length = int(self.headers.get("Content-Length") or 0)
                    self._message(dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)))
                elif calls and method == "POST" and calls.group(1) == stand_in.account:
                    length = int(self.headers.get("Content-Length") or 0)
                    form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                    self._call(calls.group(2), form)
                elif not match or match.group(1) != stand_in.account or match.group(2) not in stand_in.recordings:
                    self._reply(404)
                elif method == "GET" and match.group(3) == "wav":
                    if stand_in.fail_downloads:
                        stand_in.fail_downloads -= 1
                        self._reply(503)
                    else:
                        self._reply(200, stand_in.recordings[match.group(2)], "audio/x-wav")
                elif method == "DELETE" and match.group(3) == "json":
                    del stand_in.recordings[match.group(2)]
                    self._reply(204)
                else:
                    self._reply(405)

            def _call(self, sid: str | None, form: dict[str, str]) -> None:
                with stand_in.lock:
                    if sid is None:  # place a call
                        refused = stand_in.fail_calls.pop(0) if stand_in.fail_calls else None
                        placed = PlacedCall("CA" + uuid.uuid4().hex, form, "failed" if refused else "queued")
                        stand_in.calls.append(placed)
                    else:
                        placed = next((c for c in stand_in.calls if c.sid == sid), None)
                        refused = None if placed is not None else 404
                        if placed is not None:
                            placed.updates.append(form)
                            if placed.status in ("completed", "canceled"):
                                refused = 400  # Twilio: the call is not in progress
                            else:
                                placed.status = form.get("Status", placed.status)
                hold = stand_in.hold_calls
                if sid is None and hold is not None:
                    hold.wait(60)
                if sid is None and stand_in.call_delay:
                    time.sleep(stand_in.call_delay)
                if refused:
                    body = json.dumps({"code": 21211 if refused < 500 else 20500, "message": "refused by the stand-in",
                                       "status": refused}).encode()
                    self._reply(refused, body)
                    return
                self._reply(201 if sid is None else 200, json.dumps({
                    "sid": placed.sid, "status": placed.status, "to": placed.params.get("To"),
                    "from": placed.params.get("From"), "account_sid": stand_in.account}).encode())

            def _message(self, form: dict[str, str]) -> None:
                with stand_in.lock:
                    refused = stand_in.fail_messages.pop(0) if stand_in.fail_messages else None
                    if not refused:
                        sent = SentMessage("SM" + uuid.uuid4().hex, form)
                        stand_in.messages.append(sent)
                if refused:
                    self._reply(refused, json.dumps({"code": 21610 if refused < 500 else 20500,
                                                     "message": "refused by the stand-in", "status": refused}).encode())
                    return
                self._reply(201, json.dumps({
                    "sid": sent.sid, "status": "queued", "to": form.get("To"), "from": form.get("From"),
                    "messaging_service_sid": form.get("MessagingServiceSid"), "body": form.get("Body"),
                    "account_sid": stand_in.account}).encode())

            def do_POST(self):  # noqa: N802
                self._handle("POST")

            def _reply(self, status: int, body: bytes = b"", kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                self._handle("GET")

            def do_DELETE(self):  # noqa: N802
                self._handle("DELETE")

            def log_message(self, *args):
                pass

        self.http = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self.http.base

    def offers(self) -> list[PlacedCall]:
        """The calls placed to offer a queued caller (their URL is the whisper), in order."""
        with self.lock:
            return [c for c in self.calls if "/voice/agent/whisper" in c.params.get("Url", "")]

    def __enter__(self) -> TwilioStandIn:
        self.http.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.http.__exit__(*exc)
