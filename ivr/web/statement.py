"""The accessibility statement (Erklärung zur Barrierefreiheit, BGG NRW / BITV NRW): open to everyone, linked from
every page's footer, with the feedback contact of config.yaml's `accessibility`."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask import Blueprint
from flask import render_template

from ivr.web.i18n import ui_lang
from ivr.web.services import services

bp = Blueprint("statement", __name__)
PATH = "/barrierefreiheit"
"""The statement's address (public: ivr.web.auth.PUBLIC_PATHS)."""
WRITTEN = date(2026, 11, 29)
"""When the statement was written or last reviewed against the pages: change it with the text."""


@bp.get(PATH)
def page():
    """The statement in the interface language."""
    contact = services().settings.config.accessibility
    return render_template("statement.html", contact=contact, written=format_date(WRITTEN, "long", locale=ui_lang()))
