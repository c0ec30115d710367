"""The private redis-server of `ivr dev` and the tests: on loopback, answering once started, nothing on disk, gone
after stop, and refusing a port that is taken."""

from __future__ import annotations

import socket

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from ivr.store.redisserver import RedisServer
from ivr.store.redisserver import free_port


def test_a_started_server_answers_keeps_nothing_on_disk_and_stops(tmp_path):
    server = RedisServer(directory=tmp_path).start()
    try:
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        client = redis.Redis.from_url(server.url, socket_timeout=1)
        client.set("probe", "1")
        assert client.get("probe") == b"1"
        assert client.config_get("save") == {"save": ""} and client.config_get("appendonly") == {"appendonly": "no"}
        client.close()
    finally:
        server.stop()
    assert server.process.returncode is not None
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=server.port, socket_timeout=0.5, retry=Retry(NoBackoff(), 0)).ping()
    assert not [path for path in tmp_path.iterdir() if path.suffix in (".rdb", ".aof")]


def test_kill_ends_the_server_at_once(tmp_path):
    server = RedisServer(directory=tmp_path).start()
    server.kill()
    assert server.process.returncode == -9


def test_a_taken_port_is_refused_with_the_log_named(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="redis.log"):
            RedisServer(port=port, directory=tmp_path).start()


def test_free_port_can_be_bound():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
