"""A local stand-in of Twilio's REST API for recordings: GET <sid>.wav and DELETE <sid>.json, Basic auth."""

from __future__ import annotations

import base64
import re
from http.server import BaseHTTPRequestHandler

from tests.support.loopback import LoopbackServer

WAV = (b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00"
       b"data\x00\x00\x00\x00")
_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Recordings/(RE\w+)\.(wav|json)$")


class TwilioStandIn:
    """Serves recordings until they are deleted; remembers every request (method, path, user)."""

    def __init__(self, account: str, secret: str):
        self.account, self.secret = account, secret
        self.recordings: dict[str, bytes] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.fail_downloads = 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, method: str) -> None:
                auth = self.headers.get("Authorization", "")
                user, _, password = base64.b64decode(auth.removeprefix("Basic ") or b"").decode().partition(":")
                stand_in.requests.append((method, self.path, user))
                match = _PATH.match(self.path)
                if user != stand_in.account or password != stand_in.secret:
                    self._reply(401)
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

    def __enter__(self) -> TwilioStandIn:
        self.http.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.http.__exit__(*exc)
