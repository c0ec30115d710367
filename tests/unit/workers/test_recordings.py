"""Voice messages are copied into instance storage and deleted at Twilio; failures are retried."""

from __future__ import annotations

from pathlib import Path

from ivr.hotline import callbacks
from ivr.hotline import recordings
from tests.unit.workers.conftest import ACCOUNT
from tests.unit.workers.twilio_standin import WAV

SID = "RE" + "1" * 32


def _message_call(phone, clock, sid: str = SID):
    clock.set("2026-11-24 19:30")
    caller = phone()
    caller.call()
    caller.press("7")
    caller.press("1")
    caller.press("4")
    caller.press("1")
    caller.press("3")  # any time
    caller.press("2")  # no SMS
    caller.press("1")  # yes, a voice message
    turn = caller.leave_message(sid=sid)
    assert turn.hung_up
    caller.hang_up()
    return caller


def test_recording_is_stored_then_deleted_at_twilio(phone, clock, work, engine, settings, twilio):
    twilio.recordings[SID] = WAV
    _message_call(phone, clock)
    work()
    with engine.connect() as conn:
        task = callbacks.listing(conn)[0]
    assert task["recording_path"] == f"{task['id']}-{SID}.wav"
    assert task["recording_url"] is None and task["recording_sid"] == SID
    stored = recordings.open_file(settings, task)
    assert stored is not None and stored.read_bytes() == WAV
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert stored.parent == Path(settings.instance_dir) / "recordings"
    assert SID not in twilio.recordings
    methods = [(m, p.rsplit(".", 1)[-1], u) for m, p, u in twilio.requests]
    assert methods == [("GET", "wav", ACCOUNT), ("DELETE", "json", ACCOUNT)]


def test_failed_download_is_retried_by_the_job(phone, clock, work, engine, settings, twilio):
    twilio.recordings[SID] = WAV
    twilio.fail_downloads = 1
    _message_call(phone, clock)
    work()  # the job fails once and is scheduled for a retry
    with engine.connect() as conn:
        task = callbacks.listing(conn)[0]
    assert task["recording_path"] is None and SID in twilio.recordings
    assert recordings.fetch(engine, settings, task["id"], clock()) == "stored"  # what the retry does
    assert SID not in twilio.recordings
    downloads = sum(m == "GET" for m, _, _ in twilio.requests)
    assert recordings.fetch(engine, settings, task["id"], clock()) == "stored"  # a second run downloads nothing
    assert sum(m == "GET" for m, _, _ in twilio.requests) == downloads
