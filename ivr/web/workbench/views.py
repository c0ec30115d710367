"""The staff workbench: a desk's open callbacks, one task's page, and the forms that work it."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import Response
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from ivr.core import csvcells
from ivr.core.roles import WORKBENCH_ROLES
from ivr.hotline import attempts
from ivr.hotline import audit
from ivr.hotline import callbacks
from ivr.hotline import promises
from ivr.hotline import worklist
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.filters import local
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services

bp = Blueprint("staff", __name__)
log = logging.getLogger(__name__)


def _tz() -> ZoneInfo:
    return services().tz


def _visible_desks() -> list[str]:
    user = current_user()
    assert user is not None
    desks = services().settings.desks
    return list(desks) if user.is_admin else [d for d in user.desks if d in desks]


def _desk_or_404(desk: str) -> str:
    user = current_user()
    if desk not in services().settings.desks or user is None or not user.sees(desk):
        abort(404)
    return desk


def task_or_404(conn, task_id: int) -> dict:
    """Load a task the user may see; 404 for tasks of other desks, as if they did not exist."""
    task = callbacks.get(conn, task_id)
    user = current_user()
    if task is None or user is None or not user.sees(task["desk"]):
        abort(404)  # another desk's task does not exist for this user
    return task


def audit_view(conn, action: str, target: str, detail: str | None = None) -> None:
    """Write an audit entry for the logged-in user (every view of personal data gets one)."""
    user = current_user()
    audit.write(conn, user.username if user else "anonymous", action, target, services().clock(), detail)


@bp.get("/")
@login_required(WORKBENCH_ROLES)
def home():
    """Send people to their desk list (or the desk choice when they have several)."""
    desks = _visible_desks()
    if len(desks) == 1:
        return redirect(url_for("staff.desk", desk=desks[0]))
    svc = services()
    with svc.engine.connect() as conn:
        figures = worklist.overview(conn, desks, svc.clock(), svc.clock().astimezone(_tz()).date())
    return render_template("staff/home.html", desks=desks, figures=figures, all_desks=svc.settings.desks)


def _window(row: dict, now: datetime) -> None:
    """Add the task's window to a row: id, key (its order), name, whether now suits the caller, when next."""
    svc = services()
    config = svc.settings.desks.get(row["desk"])
    found = promises.windows(config)
    window_id = row.get("window") if row.get("window") in found else promises.ANY  # unknown or old: any time
    digit, ranges = found[window_id]
    own = config.windows.get(window_id) if config is not None else None
    row["window_id"], row["window_digit"] = window_id, digit
    row["window_name"] = (own.name.get(ui_lang()) or own.name.get("de") or window_id) if own is not None \
        else translate(f"window_{window_id}")
    schedule = svc.schedules.get(row["desk"])
    row["window_now"] = ranges is None or schedule is None or promises.in_window(schedule, ranges, now)
    row["window_next"] = None if row["window_now"] else promises.next_in_window(schedule, ranges, now)


@bp.get("/desks/<desk>")
@login_required(WORKBENCH_ROLES)
def desk(desk: str):
    """List a desk's open callbacks, oldest due first (or by the callers' windows: ?sort=window)."""
    _desk_or_404(desk)
    svc = services()
    now = svc.clock()
    with svc.engine.begin() as conn:
        rows = worklist.open_tasks(conn, [desk])
        audit_view(conn, "view.desk_list", f"desk:{desk}", f"{len(rows)} tasks")
    schedule = svc.schedules[desk]
    for row in rows:
        row["hours_left"] = worklist.remaining_service_hours(schedule, now, row["due_at"])
        row["next_from"] = attempts.next_from(  # the spacing after the last attempt, then the caller's window
            schedule, attempts.window_ranges(svc.settings.desks.get(desk), row.get("window")), row, now)
        _window(row, now)
    sort = "window" if request.args.get("sort") == "window" else "due"
    if sort == "window":  # morning, afternoon, any; due order inside each (a stable sort keeps it)
        rows.sort(key=lambda row: row["window_digit"])
    return render_template(
        "staff/desk.html",
        desk=desk,
        rows=rows,
        now=now,
        sort=sort,
        all_desks=svc.settings.desks,
        languages=svc.settings.config.languages,
    )


CSV_COLUMNS = ("id", "desk", "phone", "language", "received", "due", "window", "promised_by", "attempts",
               "next_attempt", "voice_message", "claimed_by")
"""Columns of a desk's export; each has an interface text csv_<column>."""


@bp.get("/desks/<desk>/export.csv")
@login_required(WORKBENCH_ROLES)
def export(desk: str):
    """Download a desk's open callbacks as CSV (semicolon-separated, for German spreadsheet programs)."""
    _desk_or_404(desk)
    svc = services()
    with svc.engine.begin() as conn:
        rows = worklist.open_tasks(conn, [desk])
        audit_view(conn, "export.csv", f"desk:{desk}", f"{len(rows)} tasks")
    now = svc.clock()
    for row in rows:
        _window(row, now)
    out = io.StringIO()
    writer = csvcells.writer(out, delimiter=";")  # a display name or number is never a live formula
    writer.writerow([translate(f"csv_{column}") for column in CSV_COLUMNS])
    yes, no = translate("csv_yes"), translate("csv_no")
    for row in rows:
        writer.writerow([row["id"], row["desk"], row["phone"] or "", row["language"], local(row["created_at"]),
                         local(row["due_at"]), row["window_name"],
                         row["promised_by"].strftime("%d.%m.%Y") if row["promised_by"] else "",
                         row["attempts"], local(row["next_attempt_at"]),
                         yes if row["recording_url"] or row["recording_path"] else no, row["holder"] or ""])
    stamp = svc.clock().astimezone(_tz()).strftime("%Y%m%d-%H%M")
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="rueckrufe-{desk}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


def index():
    """The site's root (an app-wide URL, registered by create_app): the workbench."""
    return redirect(url_for("staff.home"))
