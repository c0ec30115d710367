"""The staff workbench's task page: one task, and the forms that work it (claim, release, attempt, forward)."""

from __future__ import annotations

from datetime import datetime

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from pydantic import Field

from ivr.core.roles import WORKBENCH_ROLES
from ivr.hotline import attempts
from ivr.hotline import callbacks
from ivr.hotline import users
from ivr.hotline import worklist
from ivr.hotline.worklist import TaskError
from ivr.telephony import rest as twilio_rest
from ivr.web import inputs
from ivr.web import unreached
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.i18n import translate
from ivr.web.services import services
from ivr.web.workbench.views import _tz
from ivr.web.workbench.views import _window
from ivr.web.workbench.views import audit_view
from ivr.web.workbench.views import bp
from ivr.web.workbench.views import task_or_404

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


def _system_actor(actor: str) -> str:
    """A change made outside the workbench, named for staff: the command line, or an API client."""
    return translate("actor_cli") if actor == "cli" else f"{translate('actor_api')} ({actor.removeprefix('api:')})"


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
