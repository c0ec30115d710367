"""The staff workbench's task page: one task, and the forms that work it (claim, release, attempt, forward)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from pydantic import Field

from ivr.core.roles import SUPERVISING_ROLES
from ivr.core.roles import WORKBENCH_ROLES
from ivr.hotline import attempts
from ivr.hotline import callbacks
from ivr.hotline import recordings
from ivr.hotline import users
from ivr.hotline import worklist
from ivr.hotline.worklist import TaskError
from ivr.telephony import rest as twilio_rest
from ivr.web import inputs
from ivr.web import unreached
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.filters import when
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services
from ivr.web.workbench import desklist
from ivr.web.workbench.desklist import add_window
from ivr.web.workbench.views import _tz
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
    go: inputs.Text = Field("", max_length=8)  # "next": open the desk's next task once saved


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
    return _page(task_id)


def _page(task_id: int, typed: AttemptForm | None = None, problem: str | None = None):
    """The task page; after a refused attempt with what was typed and the form's error (`problem`)."""
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
    row["voice_state"] = recordings.state(svc.settings, row)
    add_window(row, now)
    desk_limits = attempts.limits(svc.settings, row["desk"])
    default_next = (
        attempts.earliest_next(schedule, attempts.window_ranges(svc.settings.desks.get(row["desk"]), row.get("window")),
                               now, desk_limits.spacing_minutes)
        if schedule
        else now
    )
    supervising = user.role in SUPERVISING_ROLES and user.sees(row["desk"])
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
        can_release_other=supervising and row["holder_id"] not in (None, user.id),
        can_forward=user.sees(row["desk"]) and user.role != "operator",
        call_ready=twilio_rest.available(svc.settings),
        default_next=default_next,
        max_attempts=desk_limits.attempts,
        typed=typed,
        problem=problem,
    )


def refuse(task_id: int, key: str, holder: str | None = None, status: int = 409):
    """Show the task page again with an error message (no redirect: the status tells what happened)."""
    flash(translate(key) + (f" {holder}." if holder else ""), "error")
    return task(task_id), status


def _act(task_id: int, action, need_work: bool = True, then: Callable[[dict], str] | None = None):
    """Run one change on a task in a transaction; flash the result, go on to the URL `then(task)` (else the task)."""
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
    return redirect(then(row) if then else url_for("staff.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/claim")
@login_required(WORKBENCH_ROLES)
def claim(task_id: int):
    """Take the task, so nobody else works it at the same time."""
    return _act(task_id, lambda conn, row, user, now: worklist.claim(conn, row, user, now))


@bp.post("/tasks/<int:task_id>/release")
@login_required(WORKBENCH_ROLES)
def release(task_id: int):
    """Give the task back to the desk: one's own claim, or (a supervisor of the desk, an admin) a colleague's."""

    def run(conn, row, user, now):
        worklist.release(conn, row, user, now)  # refuses anyone else's claim to staff (409, naming the holder)
        if row["holder_id"] not in (None, user.id):
            flash(translate("tp_released_other", name=row["holder"]), "ok")

    return _act(task_id, run, need_work=False)


def _next_at(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=_tz()) if text else None
    except ValueError:
        return None


def _next_problem(form: AttemptForm, chosen: datetime | None, now: datetime) -> str | None:
    """Why the next attempt typed cannot be kept (a form error), or None; only when one is to be scheduled."""
    if form.outcome not in worklist.FAILED or form.then == "close" or not form.next_at:
        return None
    if chosen is None:
        return translate("tp_next_invalid")
    if chosen < now:
        return translate("tp_next_past", at=when(chosen))
    return None


def next_task(desk: str, user, after: int) -> int | None:
    """The desk list's first task (order "due") that may be worked now, nobody else holds and is not `after`."""
    svc = services()
    with svc.engine.connect() as conn:
        rows = worklist.open_tasks(conn, [desk])
    desklist.prepare(rows, desk, svc.clock())  # each row's `ready`, as the list shows it
    for row in worklist.arranged(rows, "due"):
        if row["ready"] and row["id"] != after and row["holder_id"] in (None, user.id):
            return row["id"]
    return None


def _after_attempt(go: str, user):
    """Where an attempt saved leads: the task; with "save and next" the desk's next task, else the desk list."""

    def then(row: dict) -> str:
        if go != "next":
            return url_for("staff.task", task_id=row["id"])
        found = next_task(row["desk"], user, row["id"]) if user.sees(row["desk"]) else None
        if found is None:
            flash(translate("tp_none_left"), "ok")
            return url_for("staff.desk", desk=row["desk"]) if user.sees(row["desk"]) else url_for("staff.home")
        return url_for("staff.task", task_id=found)

    return then


@bp.post("/tasks/<int:task_id>/attempt")
@login_required(WORKBENCH_ROLES)
def attempt(task_id: int):
    """Log an attempt; close the task or schedule the next one (closing as unreachable after the last)."""
    form = inputs.form(AttemptForm)  # a NUL would reach the database (a 500 on PostgreSQL), a repeat is ambiguous
    chosen = _next_at(form.next_at)
    problem = _next_problem(form, chosen, services().clock())
    if problem is not None:  # nothing saved; the form comes back with what was typed
        with services().engine.connect() as conn:
            if not current_user().works(task_or_404(conn, task_id)["desk"]):
                abort(403)
        flash(problem, "error")
        return _page(task_id, typed=form, problem=problem), 422
    entry = worklist.Attempt(
        outcome=form.outcome,
        note=form.note.strip(),
        close=form.then == "close",
        next_at=chosen,
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
        if status == "open" and chosen is not None:
            set_at = callbacks.get(conn, row["id"])["next_attempt_at"]
            if set_at != chosen:  # moved: the spacing after this attempt, the desk's hours or the caller's window
                flash(translate("tp_next_moved", at=when(set_at)), "ok")
                return None
        return "saved"

    closed: list[bool] = []
    answer = _act(task_id, run, then=_after_attempt(form.go, current_user()))
    if closed:  # after the commit: the worker reads the SMS's record
        unreached.request_sms(services(), task_id)
    return answer


@bp.post("/tasks/<int:task_id>/forward")
@login_required(WORKBENCH_ROLES)
def forward(task_id: int):
    """Move the task to another desk with a note, then go back to the desk list it came from (the task may now be
    out of the person's sight)."""
    form = inputs.form(ForwardForm)
    target, note = form.desk, form.note.strip()
    desks = services().settings.desks
    if target not in desks:
        abort(400)

    def run(conn, row, user, now):
        if target == row["desk"]:
            raise TaskError("invalid_input")
        if user.role == "staff" and not user.works(row["desk"]):
            abort(403)
        worklist.forward(conn, row, user, target, note, now)
        name = desks[target].name
        flash(translate("tp_forwarded_to", desk=name.get(ui_lang()) or name.get("de") or target), "ok")

    def back(row: dict) -> str:
        return url_for("staff.desk", desk=row["desk"]) if current_user().sees(row["desk"]) else url_for("staff.home")

    return _act(task_id, run, need_work=False, then=back)
