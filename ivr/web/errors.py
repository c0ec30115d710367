"""Error answers by room: the hotline's own page in the reader's language, JSON under /api/, Werkzeug's for /voice/."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from ivr.web.auth import current_user
from ivr.web.auth import landing
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang

PAGES = (400, 403, 404, 405, 413, 429, 500, 503)
"""Codes with a title and text of their own (e_title_<code>, e_text_<code>); others get the generic ones."""

log = logging.getLogger(__name__)


def _in(room: str) -> bool:
    return request.path == room or request.path.startswith(room + "/")


def _headers(exc: HTTPException) -> list[tuple[str, str]]:
    return [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]  # keeps 405's Allow, Retry-After


def back() -> str | None:
    """The page of this site the reader came from (path and query), unless it is the failing address itself (say,
    in the other language); else None."""
    parts = urlsplit(request.referrer or "")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.scheme not in ("http", "https") or parts.netloc != request.host or not path.startswith("/"):
        return None
    if path.startswith("//") or "\\" in path or not path.isprintable() or parts.path == request.path:
        return None
    return path


def home() -> tuple[str, str]:
    """The way home and its text: the person's start page, or the login for someone not logged in."""
    user = current_user()
    return (landing(user), translate("e_home")) if user is not None else (url_for("auth.login"), translate("e_login"))


def json_error(exc: HTTPException) -> tuple[Response, int, list[tuple[str, str]]]:
    """{"error": name, "message": description}: the JSON API's errors, routing's 404 and 405 and a crash's 500."""
    return jsonify(error=exc.name, message=exc.description), exc.code or 500, _headers(exc)


def page(exc: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
    """The error as a page with the top bar, in the interface language; a bare page if the layout itself fails."""
    code = exc.code or 500
    title = translate(f"e_title_{code}") if code in PAGES else translate("e_title", code=code)
    text = translate(f"e_text_{code}") if code in PAGES else translate("e_text")
    detail = exc.description if exc.description != type(exc).description else ""  # a view's own reason
    try:
        start, start_text = home()  # in here: with the database down, the signed-in user cannot be read
        body = render_template("errors/page.html", code=code, title=title, text=text, detail=detail, back=back(),
                               start=start, start_text=start_text)
    except Exception:  # the layout needs the signed-in user: with the database down, it would fail a second time
        log.exception("error page %s: the layout failed, answering with the bare page", code)
        body = (f'<!doctype html><html lang="{escape(ui_lang())}"><meta charset="utf-8"><title>{escape(title)}'
                f'</title><h1>{escape(title)}</h1><p>{escape(text)}</p><p><a href="/">{escape(translate("e_home"))}'
                '</a></p></html>')
    return body, code, _headers(exc)


def _answer(exc: HTTPException):
    if _in("/api"):
        return json_error(exc)
    if _in("/voice"):
        return exc  # Twilio's webhooks keep their answers; a crash in a call is the voice blueprint's apology
    return page(exc)


def init_app(app: Flask) -> None:
    """Answer every HTTP error (and the 500 of a crash) by the room it happened in."""
    app.register_error_handler(HTTPException, _answer)
