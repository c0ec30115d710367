"""The staff workbench: a desk's open callbacks, one task's page, and the forms that work it."""

from __future__ import annotations

import io
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from pydantic import Field

from ivr.core import csvcells
from ivr.core.roles import WORKBENCH_ROLES
from ivr.hotline import attempts
from ivr.hotline import audit
from ivr.hotline import callbacks
from ivr.hotline import promises
from ivr.hotline import users
from ivr.hotline import worklist
from ivr.hotline.worklist import TaskError
from ivr.telephony import rest as twilio_rest
from ivr.web import inputs
from ivr.web import unreached
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.filters import local
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services

bp = Blueprint("staff", __name__)
log = logging.getLogger(__name__)
NOTE_MAX = 2000
"""Characters of a note (the form's textarea says so too): a longer one is refused, never cut."""


class AttemptForm(inputs.Form):
    """POST /staff/tasks/<id>/attempt."""

    outcome: inputs.Text = Field("", max_length=32)
    note: inputs.Text = Field("", max_length=NOTE_MAX)
    then: inputs.Text = Field("", max_length=16)
    next_at: inputs.Text = Field("", max_length=32)


class ForwardForm(inputs.Form):
    """POST /staff/tasks/<id>/forward."""

    desk: inputs.Text = Field("", max_length=64)
    note: inputs.Text = Field("", max_length=NOTE_MAX)


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


def _system_actor(actor: str) -> str:
    """A change made outside the workbench, named for staff: the command line, or an API client."""
    return translate("actor_cli") if actor == "cli" else f"{translate('actor_api')} ({actor.removeprefix('api:')})"


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


@bp.get("/tasks/<int:task_id>")
@login_required(WORKBENCH_ROLES)
def task(task_id: int):
    """Show one task: caller, message, history and the forms to work it."""
    svc = services()
    user = current_user()
    with svc.engine.begin() as conn:
        row = task_or_404(conn, task_id)
        events = callbacks.history(conn, task_id)
        names = users.display_names(conn, {e["actor"] for e in events})
        names.update({a: _system_actor(a) for a in {e["actor"] for e in events} if a == "cli" or a.startswith("api:")})
        audit_view(conn, "view.task", f"callback:{task_id}")
    now = svc.clock()
    schedule = svc.schedules.get(row["desk"])
    row["hours_left"] = worklist.remaining_service_hours(schedule, now, row["due_at"]) if schedule else 0
    _window(row, now)
    desk_limits = attempts.limits(svc.settings, row["desk"])
    default_next = (
        attempts.earliest_next(schedule, attempts.window_ranges(svc.settings.desks.get(row["desk"]), row.get("window")),
                               now, desk_limits.spacing_minutes)
        if schedule
        else now
    )
    return render_template(
        "staff/task.html",
        task=row,
        events=events,
        names=names,
        now=now,
        user=user,
        all_desks=svc.settings.desks,
        languages=svc.settings.config.languages,
        outcomes=worklist.OUTCOMES,
        can_work=user.works(row["desk"]),
        can_forward=user.sees(row["desk"]) and user.role != "operator",
        call_ready=twilio_rest.available(svc.settings),
        default_next=default_next,
        max_attempts=desk_limits.attempts,
    )


def refuse(task_id: int, key: str, holder: str | None = None, status: int = 409):
    """Show the task page again with an error message (no redirect: the status tells what happened)."""
    flash(translate(key) + (f" {holder}." if holder else ""), "error")
    return task(task_id), status


def _act(task_id: int, action, need_work: bool = True):
    """Run one change on a task in a transaction; flash the result and go back to the task page."""
    svc = services()
    user = current_user()
    refused = None
    with svc.engine.begin() as conn:
        row = task_or_404(conn, task_id)
        if need_work and not user.works(row["desk"]):
            abort(403)
        try:
            message = action(conn, row, user, svc.clock())
        except TaskError as exc:
            refused = exc
    if refused is not None:  # rendered after the transaction ends: SQLite allows one writer at a time
        return refuse(task_id, refused.key, refused.holder)
    if message:
        flash(translate(message), "ok")
    return redirect(url_for("staff.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/claim")
@login_required(WORKBENCH_ROLES)
def claim(task_id: int):
    """Take the task, so nobody else works it at the same time."""
    return _act(task_id, lambda conn, row, user, now: worklist.claim(conn, row, user, now))


@bp.post("/tasks/<int:task_id>/release")
@login_required(WORKBENCH_ROLES)
def release(task_id: int):
    """Give the task back to the desk."""
    return _act(task_id, lambda conn, row, user, now: worklist.release(conn, row, user, now), need_work=False)


def _next_at(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=_tz()) if text else None
    except ValueError:
        return None


@bp.post("/tasks/<int:task_id>/attempt")
@login_required(WORKBENCH_ROLES)
def attempt(task_id: int):
    """Log an attempt; close the task or schedule the next one (closing as unreachable after the last)."""
    form = inputs.form(AttemptForm)  # a NUL would reach the database (a 500 on PostgreSQL), a repeat is ambiguous
    entry = worklist.Attempt(
        outcome=form.outcome,
        note=form.note.strip(),
        close=form.then == "close",
        next_at=_next_at(form.next_at),
    )
    settings = services().settings

    def run(conn, row, user, now):
        desk_limits = attempts.limits(settings, row["desk"])  # the desk's own, else the house's
        status = worklist.log_attempt(
            conn,
            row,
            user,
            entry,
            now,
            services().schedules[row["desk"]],
            desk_limits.spacing_minutes,
            desk_limits.attempts,
            attempts.window_ranges(settings.desks.get(row["desk"]), row.get("window")),
        )
        if status == "closed" and unreached.record(services(), conn, row["id"], now):  # with the closing
            closed.append(True)
        if status == "closed" and entry.outcome in worklist.FAILED and not entry.close:
            return "closed_unreachable"
        return "saved"

    closed: list[bool] = []
    answer = _act(task_id, run)
    if closed:  # after the commit: the worker reads the SMS's record
        unreached.request_sms(services(), task_id)
    return answer


@bp.post("/tasks/<int:task_id>/forward")
@login_required(WORKBENCH_ROLES)
def forward(task_id: int):
    """Move the task to another desk with a note."""
    form = inputs.form(ForwardForm)
    target, note = form.desk, form.note.strip()
    if target not in services().settings.desks:
        abort(400)

    def run(conn, row, user, now):
        if target == row["desk"]:
            raise TaskError("invalid_input")
        if user.role == "staff" and not user.works(row["desk"]):
            abort(403)
        worklist.forward(conn, row, user, target, note, now)
        return "forwarded"

    return _act(task_id, run, need_work=False)


def index():
    """The site's root (an app-wide URL, registered by create_app): the workbench."""
    return redirect(url_for("staff.home"))
