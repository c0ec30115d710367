"""Call paths in Redis: each node once at its position in the call, whatever order and however often webhooks
arrive; the first start kept; nothing lost while Redis is away (up to the backlog)."""

from __future__ import annotations

import time
from datetime import UTC
from datetime import datetime

import pytest
import redis

from ivr.store import callpaths
from ivr.store.breaker import Breaker
from ivr.store.breaker import connect
from ivr.store.callpaths import Tracker
from ivr.store.redisserver import free_port

SID = "CA" + "5" * 32
KEY = f"ivr:call:{SID}"
STARTED = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)


@pytest.fixture
def tracker(redis_conn, monkeypatch):
    """A tracker whose own thread never writes: the test decides when to flush."""
    monkeypatch.setattr(callpaths, "FLUSH_SECONDS", 3600)
    made = Tracker(redis_conn, Breaker())
    yield made
    made.stop()


def path(conn: redis.Redis) -> list[str]:
    return [member.decode() for member in conn.zrange(KEY + ":path", 0, -1)]


def test_a_webhooks_nodes_are_written_at_their_positions(tracker, redis_conn):
    tracker.add(SID, "de", "v7", "", STARTED, ("greeting", "language"), 0)
    tracker.add(SID, "ar", "v7", "auslaenderbehoerde", None, ("menu", "residence"), 2)
    assert tracker.flush() == 2
    assert path(redis_conn) == ["0:de:greeting", "1:de:language", "2:ar:menu", "3:ar:residence"]
    assert redis_conn.hgetall(KEY) == {b"started": STARTED.isoformat().encode(), b"version": b"v7",
                                       b"desk": b"auslaenderbehoerde"}
    assert 0 < redis_conn.ttl(KEY) <= callpaths.CALL_KEY_TTL
    assert 0 < redis_conn.ttl(KEY + ":path") <= callpaths.CALL_KEY_TTL


def test_batches_in_any_order_and_repeated_webhooks_give_one_path(tracker, redis_conn):
    later = Tracker(redis_conn, Breaker())  # another process, whose batch reaches Redis first
    later.add(SID, "de", "v7", "", None, ("menu",), 2)
    later.flush()
    later.stop()
    tracker.add(SID, "de", "v7", "", STARTED, ("greeting", "language"), 0)
    tracker.add(SID, "de", "v7", "", STARTED, ("greeting", "language"), 0)  # Twilio retried the first webhook
    tracker.flush()
    assert path(redis_conn) == ["0:de:greeting", "1:de:language", "2:de:menu"]


def test_a_replay_does_not_move_the_calls_start_or_version(tracker, redis_conn):
    tracker.add(SID, "de", "v7", "", STARTED, ("greeting",), 0)
    tracker.flush()
    tracker.add(SID, "de", "v8", "", STARTED.replace(hour=19), ("greeting",), 0)
    tracker.flush()
    assert redis_conn.hmget(KEY, "started", "version") == [STARTED.isoformat().encode(), b"v7"]


def test_with_the_breaker_open_nothing_is_tried_and_nothing_lost(tracker, redis_conn):
    tracker.add(SID, "de", "v7", "", None, ("greeting",), 0)
    tracker.breaker.trip()
    assert tracker.flush() == 0 and path(redis_conn) == []
    tracker.breaker.reset()
    assert tracker.flush() == 1 and path(redis_conn) == ["0:de:greeting"]


def test_entries_wait_while_redis_is_away_and_are_written_once_it_is_back(redis_conn, monkeypatch):
    monkeypatch.setattr(callpaths, "FLUSH_SECONDS", 3600)
    away = connect(f"redis://127.0.0.1:{free_port()}/0", 0.2)  # nobody listens there
    tracker = Tracker(away, Breaker())
    tracker.add(SID, "de", "v7", "", STARTED, ("greeting", "language"), 0)
    tracker.add(SID, "de", "v7", "", None, ("menu",), 2)
    assert tracker.flush() == 0
    assert not tracker.breaker.closed  # the next webhooks skip Redis for a while
    tracker.conn = redis_conn  # Redis is reachable again
    tracker.breaker.reset()
    assert tracker.flush() == 2
    assert path(redis_conn) == ["0:de:greeting", "1:de:language", "2:de:menu"]
    assert redis_conn.ttl(KEY) > 0  # the keys written after the outage get their TTL too
    tracker.stop()


def test_the_backlog_drops_the_oldest_entries_first(redis_conn, monkeypatch):
    monkeypatch.setattr(callpaths, "FLUSH_SECONDS", 3600)
    monkeypatch.setattr(callpaths, "BACKLOG", 2)
    tracker = Tracker(redis_conn, Breaker())
    for position, node in enumerate(("greeting", "language", "menu")):
        tracker.add(SID, "de", "v7", "", None, (node,), position)
    assert tracker.flush() == 2
    assert path(redis_conn) == ["1:de:language", "2:de:menu"]
    tracker.stop()


def test_the_thread_writes_without_being_asked(redis_conn, monkeypatch):
    monkeypatch.setattr(callpaths, "FLUSH_SECONDS", 0.01)
    tracker = Tracker(redis_conn, Breaker())
    tracker.add(SID, "de", "v7", "", None, ("greeting",), 0)
    try:
        deadline = time.monotonic() + 30  # a generous bound for a busy machine; no duration is asserted
        while not redis_conn.exists(KEY + ":path"):
            assert time.monotonic() < deadline, "the thread never wrote the path"
            time.sleep(0.01)
    finally:
        tracker.stop()
    assert tracker.stopped and path(redis_conn) == ["0:de:greeting"]


def test_stop_writes_what_is_pending(redis_conn, monkeypatch):
    monkeypatch.setattr(callpaths, "FLUSH_SECONDS", 3600)
    tracker = Tracker(redis_conn, Breaker())
    tracker.add(SID, "de", "v7", "", None, ("greeting",), 0)
    tracker.stop()
    assert path(redis_conn) == ["0:de:greeting"]
