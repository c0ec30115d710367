"""Call records: jobs in any order never move a record backwards; the path merges; only what may be kept is kept."""

from __future__ import annotations

import json
from datetime import timedelta

from ivr.hotline import calls
from tests.support.clock import BERLIN
from tests.support.clock import berlin

SID = "CA" + "1" * 32


def _status(conn, status, at, caller="+4917612345678", duration=None, tracked=None, caller_hash="h" * 32):
    calls.note_status(conn, SID, status, duration, caller, at, tracked or {}, BERLIN, caller_hash)
    return calls.get(conn, SID)


def test_a_late_status_never_moves_the_record_backwards(engine, clock):
    with engine.begin() as conn:
        _status(conn, "in-progress", clock())
        row = _status(conn, "completed", clock() + timedelta(seconds=40), duration=40)
        assert (row["status"], row["duration"], row["outcome"]) == ("completed", 40, "abandoned")
        assert row["ended_at"] == clock() + timedelta(seconds=40)
        late = _status(conn, "ringing", clock() + timedelta(seconds=50), tracked={"positions": {0: "start"}})
        assert (late["status"], late["ended_at"]) == ("completed", row["ended_at"])
        assert json.loads(late["path"]) == ["start"]  # the nodes Redis knew still count
        assert _status(conn, "no-answer", clock() + timedelta(seconds=60))["status"] == "completed"  # final stays


def test_a_requested_callback_outranks_what_the_end_of_the_call_says(engine, clock):
    with engine.begin() as conn:
        calls.note_reached(conn, SID, "zebera", "callback_requested", "de", "v1", clock(), BERLIN, ["start", "menu"])
        calls.note_reached(conn, SID, "helpers", "transferred", "en", "v2", clock(), BERLIN)
        row = _status(conn, "failed", clock() + timedelta(minutes=2), duration=120)
    assert (row["outcome"], row["desk"], row["language"], row["flow_version"]) == \
        ("callback_requested", "zebera", "de", "v1")
    assert calls.as_json(row)["path"] == ["start", "menu"]


def test_a_failed_call_without_a_result_is_an_error(engine, clock):
    with engine.begin() as conn:
        assert _status(conn, "failed", clock(), duration=0)["outcome"] == "error"


def test_only_e164_callers_and_short_hashes_are_stored(engine, clock):
    with engine.begin() as conn:
        row = _status(conn, "ringing", clock(), caller="anonymous", caller_hash="x" * 65)
        assert (row["caller"], row["caller_hash"]) == (None, None)
        row = _status(conn, "in-progress", clock(), caller="+4917612345678", caller_hash="x" * 65)
        assert (row["caller"], row["caller_hash"]) == ("+4917612345678", None)
        unknown = _status(conn, "exploded", clock(), caller="+4915112345678")
        assert (unknown["status"], unknown["caller"]) == ("in-progress", "+4917612345678")


def test_local_date_and_hour_are_the_hotlines_not_utc(engine):
    start = berlin("2026-11-25 00:30")  # still 24 November in UTC
    with engine.begin() as conn:
        row = _status(conn, "completed", start + timedelta(seconds=90), duration=90)
    assert (str(row["local_date"]), row["local_weekday"], row["local_hour"]) == ("2026-11-25", 2, 0)
    assert row["started_at"] == start


def test_merge_path_fills_gaps_keeps_what_is_known_and_ignores_nonsense():
    assert calls.merge_path(None, {2: "c"}) == json.dumps([None, None, "c"])
    assert calls.merge_path(json.dumps([None, None, "c"]), {0: "a", 2: "x"}) == json.dumps(["a", None, "c"])
    assert calls.merge_path(json.dumps(["a"]), {0: "a"}) is None  # nothing changed
    nonsense = {-1: "a", calls.MAX_POSITIONS: "b", 1: "x" * 65, 2: "", 3: 7, "4": "d"}
    assert calls.merge_path("not json", nonsense) is None
    assert calls.merge_path(json.dumps({"a": 1}), {0: "a"}) == json.dumps(["a"])


def test_ensure_makes_one_empty_record_and_get_finds_it(engine, clock):
    with engine.begin() as conn:
        first = calls.ensure(conn, SID, clock())
        again = calls.ensure(conn, SID, clock() + timedelta(hours=1))
        assert first == again and first["path"] == "[]" and first["created_at"] == clock()
        assert calls.get(conn, "CA" + "2" * 32) is None
