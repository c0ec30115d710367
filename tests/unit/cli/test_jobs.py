"""`ivr jobs`: failed jobs listed as the admin page shows them (numbers masked), re-queued by id or all."""

from __future__ import annotations

from rq import Queue
from rq import SimpleWorker

from ivr.store import jobqueue


def _fail(redis_conn, job_id: str) -> None:
    queue = Queue("maintenance", connection=redis_conn)
    queue.enqueue("builtins.int", "call +4917612345678", job_id=job_id)  # int() of a text raises
    SimpleWorker([queue], connection=redis_conn).work(burst=True)


def test_failed_jobs_are_printed_with_numbers_masked_like_the_page(cli, redis_conn):
    _fail(redis_conn, "broken-1")
    result = cli("jobs", "failed")
    assert result.exit_code == 0
    [job] = jobqueue.failed_jobs(redis_conn)  # what the admin page shows
    line = result.stdout.splitlines()[0]
    assert line.split("\t")[:3] == ["broken-1", "maintenance", f"builtins.int({job.args})"]
    assert line.endswith("\t" + job.error) and "ValueError" in job.error
    assert "17612345678" not in result.output
    assert result.stderr == "1 failed job(s)\n"


def test_requeue_by_id_or_all(cli, redis_conn):
    _fail(redis_conn, "a")
    _fail(redis_conn, "b")
    assert cli("jobs", "requeue").exit_code == 2
    result = cli("jobs", "requeue", "a", "nowhere")
    assert result.exit_code == 1
    assert result.output == "requeued a\nError: not in the failed-job registry: nowhere\n"
    assert cli("jobs", "requeue", "--all").output == "requeued b\n"
    assert Queue("maintenance", connection=redis_conn).job_ids == ["a", "b"]


def test_without_redis_url_one_error_line(cli):
    result = cli("jobs", "failed", REDIS_URL=None)
    assert result.exit_code == 2 and result.output.startswith("Error: REDIS_URL is not set: set it")
    assert len(result.output.splitlines()) == 1
