"""A person's own status for the live queue, in the workbench's top bar: Verfügbar, Pause, Abgemeldet, and what the
service set (Nachbearbeitung after a call, a pause because an offered call was missed)."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import abort
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from ivr.core.roles import WORKBENCH_ROLES
from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline.users import User
from ivr.web import inputs
from ivr.web import staffstatus
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.i18n import translate
from ivr.web.services import services

bp = Blueprint("status", __name__)
log = logging.getLogger(__name__)
POLL_SECONDS = 15
"""How often an open workbench page asks for the person's status (a missed call pauses them without a click)."""


LABELS = {presence.AVAILABLE: "status_available", presence.PAUSED: "status_paused",
          presence.SIGNED_OUT: "status_signed_out", presence.WRAP_UP: "status_wrap_up"}
"""Interface text of each status."""
REFUSALS = {"unknown_user": "status_refused_inactive", "inactive": "status_refused_inactive",
            "no_phone": "status_refused_no_phone"}
"""Interface text of each refusal of staffstatus.change."""


class StatusForm(inputs.Form):
    """POST /staff/status."""

    status: inputs.Text = Field("", max_length=32)
    next: inputs.Text = Field("", max_length=512)


def takes_queue_calls(user: User | None) -> bool:
    """Whether the person works a queue desk, so the top bar shows their status control."""
    if user is None or user.role not in WORKBENCH_ROLES:
        return False
    desks = services().settings.desks
    return any(desk in desks and desks[desk].connect == "queue" for desk in user.desks)


def shown(own: staffstatus.Own) -> dict:
    """The status as the top bar and its JSON show it: a state for the colour, a label, the reason in words."""
    now = services().clock()
    state = "busy" if own.busy else own.status
    if own.busy:
        label = translate("status_busy")
    elif own.status == presence.WRAP_UP:
        left = max(0, int((own.until - now).total_seconds())) if own.until else 0
        label = translate("status_wrap_up_left", seconds=left) if own.until else translate("status_wrap_up")
    elif own.status == presence.PAUSED and own.reason == queueing.MISSED:
        label = translate("status_paused_missed")
    else:
        label = translate(LABELS.get(own.status, "status_signed_out"))
    return {"status": own.status, "state": state, "label": label, "phone": own.phone,
            "missed": own.status == presence.PAUSED and own.reason == queueing.MISSED}


def _mine() -> dict | None:
    """The top bar's status of the logged-in person, or None (no queue desk, or the database cannot be read: the
    page still opens)."""
    user = current_user()
    if not takes_queue_calls(user):
        return None
    try:
        return shown(staffstatus.own(services(), user.id))  # type: ignore[union-attr]
    except SQLAlchemyError:
        log.warning("status of the top bar not read (database)")
        return None


@bp.app_context_processor
def _context() -> dict:
    return {"my_status": _mine, "status_choices": [(s, LABELS[s]) for s in staffstatus.SETTABLE],
            "status_poll": POLL_SECONDS}


def _back(target: str) -> str:
    """Where to go after a change: the page the form was on (a path of this site), else the status page."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target and target.isprintable()
    return target if ok else url_for("status.page")


@bp.get("/status")
@login_required(WORKBENCH_ROLES)
def page():
    """The person's status with the choices and what each means."""
    if not takes_queue_calls(current_user()):
        abort(404)
    return render_template("staff/status.html")


@bp.get("/status.json")
@login_required(WORKBENCH_ROLES)
def data():
    """The person's status for the top bar's polling."""
    mine = _mine()
    if mine is None:
        abort(404)
    return jsonify(mine)


@bp.post("/status")
@login_required(WORKBENCH_ROLES)
def change():
    """Set Verfügbar, Pause or Abgemeldet; a person without a phone number is told why Verfügbar is refused."""
    user = current_user()
    if not takes_queue_calls(user):
        abort(404)
    form = inputs.form(StatusForm)
    if form.status not in staffstatus.SETTABLE:
        abort(400, translate("status_unknown", allowed=", ".join(translate(LABELS[s]) for s in staffstatus.SETTABLE)))
    try:
        staffstatus.change(services(), user.id, form.status, user.username)  # type: ignore[union-attr]
    except staffstatus.StatusRefused as exc:
        flash(translate(REFUSALS.get(exc.key, "status_refused_inactive")), "error")
        return render_template("staff/status.html"), exc.code
    return redirect(_back(form.next))
