"""Supervisors' pages: the desk overview (aggregates only) and search by phone number in their desks."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import phonenumbers
from flask import Blueprint
from flask import render_template
from pydantic import Field

from ivr.core.roles import SUPERVISING_ROLES
from ivr.hotline import audit
from ivr.hotline import worklist
from ivr.web import inputs
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.services import services

bp = Blueprint("oversight", __name__)
PHONE_MAX = 40
"""Characters of a typed number (the longest E.164 number is 16; room for spaces, dashes and brackets)."""


class SearchQuery(inputs.Form):
    """GET /staff/search?phone=..."""

    phone: inputs.Text = Field("", max_length=PHONE_MAX)


def normalise(raw: str) -> str | None:
    """Return a number typed by staff in E.164 form (German numbers may omit +49), or None."""
    try:
        number = phonenumbers.parse(raw.strip(), "DE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@bp.get("/overview")
@login_required(SUPERVISING_ROLES)
def overview():
    """Show per desk: open tasks, overdue, oldest waiting, today's calls. Every desk, no personal data."""
    svc = services()
    now = svc.clock()
    desks = list(svc.settings.desks)
    with svc.engine.connect() as conn:
        figures = worklist.overview(
            conn, desks, now, now.astimezone(ZoneInfo(svc.settings.config.hotline.timezone)).date()
        )
    return render_template("staff/overview.html", figures=figures, all_desks=svc.settings.desks, now=now)


@bp.get("/search")
@login_required(SUPERVISING_ROLES)
def search():
    """Find a number's tasks in the desks this person oversees (admins: every desk)."""
    svc = services()
    user = current_user()
    raw = inputs.query(SearchQuery).phone.strip()
    phone = normalise(raw) if raw else None
    rows: list[dict] = []
    if phone:
        desks = list(svc.settings.desks) if user.is_admin else list(user.desks)
        with svc.engine.begin() as conn:
            rows = worklist.search(conn, phone, desks)
            audit.write(conn, user.username, "search.phone", None, svc.clock(), f"{len(rows)} results")
    return render_template(
        "staff/search.html",
        raw=raw,
        phone=phone,
        invalid=bool(raw) and not phone,
        rows=rows,
        all_desks=svc.settings.desks,
    )
