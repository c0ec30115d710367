"""Voice on the workbench: start a callback through Twilio, and play the caller's voice message."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import request
from flask import send_file
from flask import url_for
from twilio.base.exceptions import TwilioException

from ivr.core.roles import WORKBENCH_ROLES
from ivr.hotline import recordings
from ivr.hotline import worklist
from ivr.hotline.worklist import TaskError
from ivr.telephony import rest as twilio_rest
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services
from ivr.web.workbench.tasks import refuse
from ivr.web.workbench.views import audit_view
from ivr.web.workbench.views import task_or_404

bp = Blueprint("staff_calls", __name__)
log = logging.getLogger(__name__)


@bp.post("/tasks/<int:task_id>/call")
@login_required(WORKBENCH_ROLES)
def call(task_id: int):
    """Start the callback: Twilio rings the staff phone, then the caller, who hears who calls and presses 1 before
    the two are connected (ivr.web.voice.callee: no key logs the attempt as not reached)."""
    svc = services()
    user = current_user()
    problem: TaskError | None = None
    with svc.engine.begin() as conn:
        row = task_or_404(conn, task_id)
        if not user.works(row["desk"]):
            abort(403)
        if not twilio_rest.available(svc.settings):
            problem = TaskError("call_disabled")
        elif not user.phone:
            problem = TaskError("call_no_phone")
        elif not row["phone"]:
            problem = TaskError("call_failed")
        else:
            try:
                worklist.note_call(conn, row, user, svc.clock())
            except TaskError as exc:
                problem = exc
    if problem is not None:
        return refuse(task_id, problem.key, problem.holder)
    base = svc.settings.public_url or (request.scheme + "://" + request.host + request.script_root)  # as Twilio signs
    query = f"?t={task_id}&u={user.id}&n={row['attempts']}"  # the attempt count: one automatic attempt per call
    try:
        sid = twilio_rest.call_back(svc.settings, user.phone, row["phone"], ui_lang(), f"{base}/voice/callee{query}",
                                    f"{base}/voice/callee/status{query}")
    except (TwilioException, OSError) as exc:
        log.warning("click-to-call for task %s failed: %s", task_id, type(exc).__name__)
        return refuse(task_id, "call_failed", status=502)
    audit_view(svc.engine, "call.start", f"callback:{task_id}", sid)
    flash(translate("call_started"), "ok")
    return redirect(url_for("staff.task", task_id=task_id))


@bp.get("/tasks/<int:task_id>/recording")
@login_required(WORKBENCH_ROLES)
def recording(task_id: int):
    """Play the caller's voice message (the stored file, or fetched from Twilio); ?download=1 saves it as a file."""
    svc = services()
    with svc.engine.begin() as conn:
        row = task_or_404(conn, task_id)
        audit_view(conn, "view.recording", f"callback:{task_id}")
    saved = request.args.get("download") == "1"
    name = f"sprachnachricht-{task_id}.wav"
    file = recordings.open_file(svc.settings, row)  # the copy the worker keeps (instance/recordings/)
    if file is not None:
        return send_file(file, max_age=0, as_attachment=saved, download_name=name)
    if row["recording_url"] and row["recording_sid"] and twilio_rest.available(svc.settings):
        try:  # not copied yet: the worker's own download, without storing or deleting anything
            audio = recordings.download(svc.settings, row["recording_sid"])
        except recordings.RecordingError as exc:
            log.warning("voice message of task %s not fetched: %s", task_id, exc)
        else:
            disposition = f'{"attachment" if saved else "inline"}; filename="{name}"'
            return Response(audio, mimetype="audio/wav",
                            headers={"Cache-Control": "no-store", "Content-Disposition": disposition})
    abort(404)
