"""Background jobs in the browser (admins): queue sizes, failed and retrying jobs named in words with the reason in
one line (the job's id, function and arguments behind a disclosure), re-queue buttons (admins, CSRF)."""

from __future__ import annotations

import redis
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from pydantic import Field

from ivr.core.roles import ADMIN_ROLES
from ivr.hotline import audit
from ivr.store import jobqueue
from ivr.web import inputs
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.i18n import translate
from ivr.web.services import services

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")
JOB_NAMES = {
    "workers.jobs.process_event": "jn_event",
    "workers.jobs.fetch_recording": "jn_recording",
    "workers.jobs.retention_sweep": "jn_retention",
    "workers.sms.send": "jn_sms_send",
    "workers.sms.deliver": "jn_sms_deliver",
    "workers.dispatch.dispatch": "jn_dispatch",
}
"""The worker's functions as the page names them (an interface text each); another function shows as itself."""


def job_name(func: str) -> str:
    """What a job does, in words of the interface language ("Sprachnachricht herunterladen")."""
    return translate(JOB_NAMES[func]) if func in JOB_NAMES else func


def queue_name(name: str) -> str:
    """A queue in words ("Anrufe", "Wartung"); an unknown one as itself."""
    return translate(f"jq_{name}") if name in jobqueue.QUEUE_NAMES else name


class RequeueForm(inputs.Form):
    """POST /admin/jobs/requeue: one job of a queue, or all its failed jobs."""

    queue: inputs.Text = Field("", max_length=64)
    job_id: inputs.Text = Field("", max_length=128)
    all: inputs.Text = Field("", max_length=8)


def _conn() -> redis.Redis:
    conn = services().redis
    if conn is None:
        abort(503, "REDIS_URL is not set")
    return conn


@bp.get("/")
@login_required(roles=ADMIN_ROLES)
def index():
    """Queue sizes per state, the failed jobs and those waiting for a retry."""
    conn = _conn()
    try:
        queues, failed = jobqueue.queue_counts(conn), jobqueue.failed_jobs(conn)
        retrying = jobqueue.retrying_jobs(conn)
    except redis.RedisError:
        abort(503, "Redis is not reachable")
    return render_template("dashboard/jobs.html", queues=queues, failed=failed, retrying=retrying,
                           job_name=job_name, queue_name=queue_name)


@bp.post("/requeue")
@login_required(roles=ADMIN_ROLES)
def requeue():
    """Put failed jobs back on their queue: one (job_id) or all of a queue (all=1)."""
    form = inputs.form(RequeueForm)
    name = form.queue
    if name not in jobqueue.QUEUE_NAMES:
        abort(400, f"queue must be one of {', '.join(jobqueue.QUEUE_NAMES)}")
    done = len(jobqueue.requeue_failed(_conn(), None if form.all else [form.job_id], queues=(name,)))
    svc = services()
    audit.write(svc.engine, current_user().username, "jobs.requeue", f"queue:{name}", svc.clock(),
                f"{done} job(s)")
    flash(translate("j_requeued", done=done), "ok")
    return redirect(url_for("jobs.index"))
