"""The staff workbench: the desk choice, a desk's open callbacks and their export; the blueprint and the lookups
the task page (tasks.py) shares."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import Response
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from ivr.core.roles import WORKBENCH_ROLES
from ivr.hotline import audit
from ivr.hotline import callbacks
from ivr.hotline import worklist
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.services import services
from ivr.web.workbench import desklist

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
    now = svc.clock()
    with svc.engine.connect() as conn:
        figures = worklist.overview(conn, desks, now, now.astimezone(_tz()).date())
        tasks = worklist.open_tasks(conn, desks)
    for desk in desks:  # how many may be called now: the list's "fällig jetzt"
        rows = [row for row in tasks if row["desk"] == desk]
        desklist.prepare(rows, desk, now)
        figures[desk]["ready"] = sum(row["ready"] for row in rows)
    return render_template("staff/home.html", desks=desks, figures=figures, all_desks=svc.settings.desks)


_window = desklist.add_window  # the task page shows the caller's window too
CSV_COLUMNS = desklist.CSV_COLUMNS


@bp.get("/desks/<desk>")
@login_required(WORKBENCH_ROLES)
def desk(desk: str):
    """List a desk's open callbacks: a choice (?show=now|languages|mine) in an order (?sort=due|received|window; by
    due, those workable now first)."""
    _desk_or_404(desk)
    svc = services()
    now = svc.clock()
    with svc.engine.begin() as conn:
        rows = worklist.open_tasks(conn, [desk])
        audit_view(conn, "view.desk_list", f"desk:{desk}", f"{len(rows)} tasks")
    desklist.prepare(rows, desk, now)
    show = request.args.get("show") if request.args.get("show") in worklist.SHOWS else "all"
    sort = request.args.get("sort") if request.args.get("sort") in worklist.SORTS else "due"
    shown, counts = desklist.choose(rows, show, sort, current_user())
    return render_template(
        "staff/desk.html",
        desk=desk,
        rows=shown,
        total=len(rows),
        counts=counts,
        show=show,
        sort=sort,
        now=now,
        all_desks=svc.settings.desks,
        languages=svc.settings.config.languages,
    )


@bp.get("/desks/<desk>/export.csv")
@login_required(WORKBENCH_ROLES)
def export(desk: str):
    """Download a desk's open callbacks as CSV (desklist.csv_text: `;`, BOM, the interface language)."""
    _desk_or_404(desk)
    svc = services()
    with svc.engine.begin() as conn:
        rows = worklist.open_tasks(conn, [desk])
        audit_view(conn, "export.csv", f"desk:{desk}", f"{len(rows)} tasks")
    now = svc.clock()
    for row in rows:
        desklist.add_window(row, now)
    stamp = now.astimezone(_tz()).strftime("%Y%m%d-%H%M")
    return Response(
        desklist.csv_text(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="rueckrufe-{desk}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )


def index():
    """The site's root (an app-wide URL, registered by create_app): the workbench."""
    return redirect(url_for("staff.home"))
