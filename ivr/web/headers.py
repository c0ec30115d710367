"""Response headers that keep pages with callers' numbers out of caches and frames, and stop type sniffing."""

from __future__ import annotations

from flask import Flask
from flask import request
from flask.wrappers import Response

PRIVATE = (
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
)
"""Every staff, admin, dashboard and operator page and the JSON API (their answers may hold personal data)."""
OPEN_PREFIXES = ("/voice/", "/static/")
"""Twilio's webhooks (TwiML for Twilio, never shown in a browser) and static files: nosniff only."""


def init_app(app: Flask) -> None:
    """Add the headers to every response."""
    app.after_request(_secure)


def _secure(response: Response) -> Response:
    headers = response.headers
    if request.path.startswith(OPEN_PREFIXES):
        headers["X-Content-Type-Options"] = "nosniff"
        return response
    for name, value in PRIVATE:
        headers[name] = value
    return response
