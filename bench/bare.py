"""The baseline: a bare Flask endpoint that returns a fixed TwiML string, served by the same gunicorn settings."""

from __future__ import annotations

from flask import Flask
from flask import Response

TWIML = (b'<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="https://example.org/voice/step?n=x" '
         b'actionOnEmptyResult="true" input="dtmf" method="POST" numDigits="1" timeout="8"><Say language="de-DE" '
         b'voice="Polly.Vicki-Neural">Worum geht es? Aufenthalt: 1. Geld und Wohnung: 2.</Say></Gather></Response>')


def app() -> Flask:
    """Gunicorn entry point: `bench.bare:app()`."""
    flask_app = Flask(__name__)

    @flask_app.post("/voice/step")
    def step() -> Response:
        return Response(TWIML, content_type="text/xml; charset=utf-8")

    return flask_app
