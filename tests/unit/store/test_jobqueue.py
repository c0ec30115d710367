"""The job queue: event jobs once per event, and the one view of failed jobs (masked) with re-queueing."""

from __future__ import annotations

from rq import Queue
from rq import SimpleWorker
from rq.registry import FailedJobRegistry

from ivr.store import jobqueue


def _fail(redis_conn, queue_name: str, job_id: str, text: str) -> None:
    """A job that raises with `text` in its error (int() of a text), straight to the failed registry."""
    queue = Queue(queue_name, connection=redis_conn)
    queue.enqueue("builtins.int", text, job_id=job_id)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)


def test_an_event_is_queued_once(redis_conn):
    assert jobqueue.enqueue_event(redis_conn, 7) is True
    assert jobqueue.enqueue_event(redis_conn, 7) is False
    assert Queue("calls", connection=redis_conn).job_ids == [jobqueue.event_job_id(7)]


def test_failed_jobs_show_the_last_error_line_with_numbers_masked(redis_conn):
    _fail(redis_conn, "maintenance", "broken-1", "call +4917612345678")
    _fail(redis_conn, "calls", "broken-2", "plain text")
    failed = {job.id: job for job in jobqueue.failed_jobs(redis_conn)}
    assert set(failed) == {"broken-1", "broken-2"}
    job = failed["broken-1"]
    assert job.queue == "maintenance" and job.func == "builtins.int" and job.ended_at is not None
    assert job.error.startswith("ValueError: invalid literal for int()")
    assert "17612345678" not in job.error + job.args and "+49" in job.args
    assert [c.failed for c in jobqueue.queue_counts(redis_conn)] == [1, 1]


def test_requeue_named_jobs_or_all_of_a_queue(redis_conn):
    _fail(redis_conn, "maintenance", "a", "x")
    _fail(redis_conn, "maintenance", "b", "y")
    _fail(redis_conn, "calls", "c", "z")
    assert jobqueue.requeue_failed(redis_conn, ["a", "nowhere"]) == ["a"]
    assert Queue("maintenance", connection=redis_conn).job_ids == ["a"]
    assert jobqueue.requeue_failed(redis_conn, None, queues=("calls",)) == ["c"]
    assert FailedJobRegistry(queue=Queue("maintenance", connection=redis_conn)).get_job_ids() == ["b"]
    assert jobqueue.requeue_failed(redis_conn, ["c"]) == []  # no longer failed
