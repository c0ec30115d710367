"""Without a Twilio account a voice message is a state noted once (one warning), not a job that fails and retries."""

from __future__ import annotations

import logging

import pytest
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.registry import ScheduledJobRegistry

from ivr.hotline import callbacks
from ivr.hotline import recordings
from ivr.store import jobqueue
from tests.factories import make_settings
from tests.unit.workers.test_recordings import _message_call


@pytest.fixture
def settings(tmp_path, database_url, redis_url, engine, redis_conn, twilio):
    """The test settings with no TWILIO_ACCOUNT_SID (the REST stand-in would still answer)."""
    return make_settings(tmp_path, database_url, redis_url, twilio_account_sid=None, twilio_api_base=twilio.url)


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and "voice message" in r.getMessage()]


def test_no_account_is_noted_once_with_one_warning_and_no_retry(phone, clock, work, engine, settings, twilio,
                                                                 redis_conn, caplog):
    caplog.set_level(logging.INFO)
    _message_call(phone, clock)
    work()
    with engine.connect() as conn:
        task = callbacks.listing(conn)[0]
        steps = [(s["kind"], s["outcome"], s["actor"]) for s in callbacks.history(conn, task["id"])]
    assert steps == [("recording", "no_twilio_account", "system")]
    assert _warnings(caplog) == [f"task {task['id']}: voice message not copied: no Twilio account (set "
                                 "TWILIO_ACCOUNT_SID)"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    maintenance = Queue("maintenance", connection=redis_conn)
    assert FailedJobRegistry(queue=maintenance).get_job_ids() == []
    assert ScheduledJobRegistry(queue=maintenance).get_job_ids() == []  # no "retry scheduled"
    assert Job.fetch(f"recording-{task['id']}", connection=redis_conn).return_value() == "no_twilio_account"
    assert twilio.requests == []
    assert recordings.state(settings, task) == "no_account"

    jobqueue.enqueue_maintenance(redis_conn, "workers.jobs.fetch_recording", task["id"], job_id="again")
    jobqueue.enqueue_maintenance(redis_conn, "workers.jobs.retention_sweep", job_id="sweep")
    work()  # a second run and the sweep: nothing new logged, noted, queued or retried
    assert len(_warnings(caplog)) == 1
    with engine.connect() as conn:
        assert len(callbacks.history(conn, task["id"])) == 1
    assert FailedJobRegistry(queue=maintenance).get_job_ids() == []
    assert ScheduledJobRegistry(queue=maintenance).get_job_ids() == []
