"""Background jobs in the browser (admins): queue sizes, failed jobs with their error, re-queue buttons."""

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
    """Queue sizes per state and the failed jobs."""
    conn = _conn()
    try:
        queues, failed = jobqueue.queue_counts(conn), jobqueue.failed_jobs(conn)
    except redis.RedisError:
        abort(503, "Redis is not reachable")
    return render_template("dashboard/jobs.html", queues=queues, failed=failed)


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
