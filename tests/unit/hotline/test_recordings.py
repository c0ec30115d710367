"""Voice message files: kept only inside their folder, removed by name, and the tasks still waiting at Twilio.

Copying from Twilio (fetch) runs against the stand-in in tests/unit/workers/test_recordings.py."""

from __future__ import annotations

import pytest

from ivr.hotline import callbacks
from ivr.hotline import recordings


def _stored(settings, name: str) -> None:
    folder = recordings.folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"RIFF")


def test_open_file_gives_a_stored_message_and_refuses_paths_outside_the_folder(settings, tmp_path):
    _stored(settings, "1-RE1.wav")
    (tmp_path / "secret.wav").write_bytes(b"x")
    assert recordings.open_file(settings, {"recording_path": "1-RE1.wav"}) == \
        (recordings.folder(settings) / "1-RE1.wav").resolve()
    assert recordings.open_file(settings, {"recording_path": "../../etc/passwd"}) is None
    assert recordings.open_file(settings, {"recording_path": str(tmp_path / "secret.wav")}) is None
    assert recordings.open_file(settings, {"recording_path": "2-RE2.wav"}) is None  # not (or no longer) stored
    assert recordings.open_file(settings, {"recording_path": None}) is None


def test_remove_deletes_by_name_within_the_folder_only(settings, tmp_path):
    _stored(settings, "1-RE1.wav")
    outside = tmp_path / "1-RE1.wav"
    outside.write_bytes(b"x")
    assert recordings.remove(settings, str(outside))  # the folder's file of that name, never the path given
    assert outside.exists() and not (recordings.folder(settings) / "1-RE1.wav").exists()
    assert not recordings.remove(settings, "1-RE1.wav")
    assert not recordings.remove(settings, None)


def test_pending_lists_tasks_whose_message_is_still_only_at_twilio(engine, settings, clock):
    with engine.begin() as conn:
        ids = [callbacks.create(conn, "info", f"+49176123456{n:02d}", "de", f"CA{n:032d}", clock(), clock())[0]
               for n in range(3)]
        callbacks.attach_recording(conn, f"CA{0:032d}", None, "https://api.twilio.com/RE0", "RE0", 5, clock())
        callbacks.attach_recording(conn, f"CA{1:032d}", None, None, "RE1", None, clock())  # no URL yet
    assert recordings.pending(engine) == [ids[0]]


@pytest.mark.parametrize("edge,region,base", [(None, None, "https://api.twilio.com"),
                                              ("dublin", "ie1", "https://api.dublin.ie1.twilio.com"),
                                              ("frankfurt", None, "https://api.frankfurt.us1.twilio.com")])
def test_api_base_follows_edge_and_region(settings, edge, region, base):
    changed = settings.model_copy(update={"twilio_api_base": None, "twilio_edge": edge, "twilio_region": region})
    assert recordings.api_base(changed) == base
    assert recordings.api_base(settings.model_copy(update={"twilio_api_base": "http://127.0.0.1:9/"})) == \
        "http://127.0.0.1:9"
