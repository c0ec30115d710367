"""Background jobs in the browser: admins only, failed jobs listed with masked errors, re-queue buttons."""

from __future__ import annotations

import re

import sqlalchemy as sa
from rq import Queue
from rq import SimpleWorker
from rq.registry import FailedJobRegistry

from ivr.store.db import audit_log


def _fail_a_job(redis_conn) -> str:
    """A job that raises with a phone number in its error text (int() of a text)."""
    queue = Queue("maintenance", connection=redis_conn)
    job = queue.enqueue("builtins.int", "call +4917612345678", job_id="broken-1")
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    assert FailedJobRegistry(queue=queue).count == 1
    return job.id


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_only_admins(login, client):
    assert client.get("/admin/jobs/").status_code == 302
    assert login("supervisor").get("/admin/jobs/").status_code == 403


def test_failed_job_listed_and_requeued(login, redis_conn, engine):
    job_id = _fail_a_job(redis_conn)
    admin = login("admin")
    page = admin.get("/admin/jobs/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert job_id in html and "ValueError" in html
    assert "17612345678" not in html  # masked in the error text and the arguments
    assert "Traceback" not in html and '<details class="job-detail"><summary>Einzelheiten</summary>' in html
    assert "<th scope=\"row\">Wartung</th>" in html
    no_token = {"queue": "maintenance", "job_id": job_id}
    assert admin.post("/admin/jobs/requeue", data=no_token).status_code == 400
    response = admin.post("/admin/jobs/requeue", data={"queue": "maintenance", "job_id": job_id,
                                                       "csrf_token": _csrf(html)})
    assert response.status_code == 302
    queue = Queue("maintenance", connection=redis_conn)
    assert FailedJobRegistry(queue=queue).count == 0
    assert queue.job_ids == [job_id]
    with engine.connect() as conn:
        query = sa.select(audit_log).where(audit_log.c.action == "jobs.requeue")
        entry = conn.execute(query).mappings().one()
    assert entry["actor"] == "admin1" and entry["detail"] == "1 job(s)"


def test_requeue_all_of_a_queue(login, redis_conn):
    _fail_a_job(redis_conn)
    admin = login("admin")
    token = _csrf(admin.get("/admin/jobs/").get_data(as_text=True))
    admin.post("/admin/jobs/requeue", data={"queue": "maintenance", "all": "1", "csrf_token": token})
    assert Queue("maintenance", connection=redis_conn).count == 1
    assert admin.post("/admin/jobs/requeue", data={"queue": "nope", "csrf_token": token}).status_code == 400


def test_jobs_are_named_in_words_with_the_reason_in_one_line(login, redis_conn, monkeypatch):
    """A retrying job (here a voice message's download) shows what it does, why it failed, in German and English."""
    from rq import Retry

    import workers.jobs

    def unreachable(task_id):  # Twilio down: whatever this process's worker context (an account or none) would do
        raise ConnectionError("api.twilio.com unreachable")

    monkeypatch.setattr(workers.jobs, "fetch_recording", unreachable)  # the worker imports the job by this name
    queue = Queue("maintenance", connection=redis_conn)
    queue.enqueue("workers.jobs.fetch_recording", "not a task id", job_id="recording-x",
                  retry=Retry(max=3, interval=600))
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    admin = login("admin")
    html = admin.get("/admin/jobs/").get_data(as_text=True)
    assert "Aufträge, die wiederholt werden" in html
    row = html[html.index("Aufträge, die wiederholt werden"):]
    assert '<span class="job-name">Sprachnachricht herunterladen</span><br><span class="small">Wartung</span>' in row
    reason = re.search(r'<p class="job-reason">([^<]*)</p>', row).group(1)  # RQ keeps no error before the last try
    assert reason == "Der Fehler steht im Protokoll des Workers; nach dem letzten Versuch auch hier."
    assert "recording-x" in row[row.index("<details"):]  # the id behind the disclosure
    assert "erneut einreihen</button>" not in row  # a retrying job runs again by itself
    english = admin.get("/admin/jobs/?lang=en").get_data(as_text=True)
    assert "Jobs waiting for a retry" in english and "Download a voice message" in english
    assert "Wiederholung" not in english and "Sprachnachricht" not in english
