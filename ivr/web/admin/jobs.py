"""Background jobs in the browser (admins): queue sizes, failed jobs with their error, re-queue buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from pydantic import Field
from rq import Queue
from rq.exceptions import InvalidJobOperation
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.registry import ScheduledJobRegistry
from rq.registry import StartedJobRegistry

from ivr.engine.phones import mask_text
from ivr.hotline import audit
from ivr.store.jobqueue import QUEUE_NAMES
from ivr.web import inputs
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.services import services

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")
SHOWN = 200
"""Failed jobs listed per queue (newest first)."""


class RequeueForm(inputs.Form):
    """POST /admin/jobs/requeue: one job of a queue, or all its failed jobs."""

    queue: inputs.Text = Field("", max_length=64)
    job_id: inputs.Text = Field("", max_length=128)
    all: inputs.Text = Field("", max_length=8)


@dataclass(frozen=True)
class FailedJob:
    """What the page shows of a failed job: ids and the error's last line, never a payload."""

    queue: str
    id: str
    func: str
    args: str
    ended_at: datetime | None
    error: str


def _conn() -> redis.Redis:
    conn = services().redis
    if conn is None:
        abort(503, "REDIS_URL is not set")
    return conn


def _failed(queue: Queue) -> list[FailedJob]:
    registry = FailedJobRegistry(queue=queue)
    ids = registry.get_job_ids(0, SHOWN - 1, desc=True)
    out = []
    for job in Job.fetch_many(ids, connection=queue.connection):
        if job is None:
            continue
        result = job.latest_result()
        text = ((result.exc_string if result else None) or "").strip().splitlines()
        args = ", ".join(str(a) for a in job.args if isinstance(a, int | str))[:80]
        out.append(FailedJob(queue.name, job.id, job.func_name, mask_text(args), job.ended_at,
                             mask_text(text[-1] if text else "")[:300]))
    return out


@bp.get("/")
@login_required(roles=("admin",))
def index():
    """Queue sizes per state and the failed jobs."""
    conn = _conn()
    queues, failed = [], []
    try:
        for name in QUEUE_NAMES:
            queue = Queue(name, connection=conn)
            queues.append({"name": name, "queued": queue.count,
                           "started": StartedJobRegistry(queue=queue).count,
                           "retrying": ScheduledJobRegistry(queue=queue).count,
                           "failed": FailedJobRegistry(queue=queue).count})
            failed += _failed(queue)
    except redis.RedisError:
        abort(503, "Redis is not reachable")
    return render_template("dashboard/jobs.html", queues=queues, failed=failed)


@bp.post("/requeue")
@login_required(roles=("admin",))
def requeue():
    """Put failed jobs back on their queue: one (job_id) or all of a queue (all=1)."""
    form = inputs.form(RequeueForm)
    name = form.queue
    if name not in QUEUE_NAMES:
        abort(400, f"queue must be one of {', '.join(QUEUE_NAMES)}")
    queue = Queue(name, connection=_conn())
    registry = FailedJobRegistry(queue=queue)
    ids = registry.get_job_ids() if form.all else [form.job_id]
    done = 0
    for job_id in ids:
        try:
            registry.requeue(job_id)
            done += 1
        except (NoSuchJobError, InvalidJobOperation):
            continue
    svc = services()
    audit.write(svc.engine, current_user().username, "jobs.requeue", f"queue:{name}", svc.clock(),
                f"{done} job(s)")
    flash(f"{done} Auftrag/Aufträge wieder eingereiht.", "ok")
    return redirect(url_for("jobs.index"))
