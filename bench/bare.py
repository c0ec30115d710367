"""The baseline: a bare Flask app that answers every webhook path with a fixed TwiML string (status with 204)."""

from __future__ import annotations

from flask import Flask
from flask import Response

TWIML = (b'<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="https://example.org/voice/step?n=x" '
         b'actionOnEmptyResult="true" input="dtmf" method="POST" numDigits="1" timeout="8"><Say language="de-DE" '
         b'voice="Polly.Vicki-Neural">Worum geht es? Aufenthalt: 1. Geld und Wohnung: 2.</Say></Gather></Response>')


def app() -> Flask:
    """Gunicorn entry point: `bench.bare:app()`."""
    flask_app = Flask(__name__)

    @flask_app.post("/voice/<name>")
    def webhook(name: str) -> Response:
        if name == "status":
            return Response(status=204)
        return Response(TWIML, content_type="text/xml; charset=utf-8")

    @flask_app.get("/healthz")
    def healthz() -> Response:
        return Response(b"ok")

    return flask_app
