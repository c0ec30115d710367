"""Redis connections (redis+sentinel:// URLs parsed for web and worker alike, and a real Sentinel) and the breaker."""

from __future__ import annotations

import subprocess
import time

import pytest
import redis
from rq import Queue
from rq import SimpleWorker

from ivr.store.breaker import Breaker
from ivr.store.breaker import connect
from ivr.store.redisserver import RedisServer
from ivr.store.redisserver import executable
from ivr.store.redisserver import free_port


def _sentinels(client: redis.Redis) -> list[tuple[str, int]]:
    return [(s.connection_pool.connection_kwargs["host"], s.connection_pool.connection_kwargs["port"])
            for s in client.connection_pool.sentinel_manager.sentinels]


def test_sentinel_url_names_hosts_master_db_and_password():
    client = connect("redis+sentinel://:s%40cret@h1:26379,h2:26380/mymaster/2", 0.5)
    assert client.connection_pool.service_name == "mymaster"
    assert _sentinels(client) == [("h1", 26379), ("h2", 26380)]
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["db"], kwargs["password"], kwargs["socket_timeout"]) == (2, "s@cret", 0.5)


def test_sentinel_url_defaults_port_and_db():
    client = connect("redis+sentinel://h1,h2:5000/mymaster", 1.0)
    assert _sentinels(client) == [("h1", 26379), ("h2", 5000)]
    assert client.connection_pool.connection_kwargs["db"] == 0


def test_sentinel_url_needs_the_master_name():
    with pytest.raises(ValueError, match="master name"):
        connect("redis+sentinel://h1:26379", 1.0)


def test_plain_urls_keep_their_timeouts():
    kwargs = connect("redis://127.0.0.1:6390/3", 0.25).connection_pool.connection_kwargs
    assert (kwargs["port"], kwargs["db"], kwargs["socket_timeout"]) == (6390, 3, 0.25)


@pytest.fixture
def sentinel(tmp_path):
    """A private Redis master watched by one real Sentinel; yields the redis+sentinel:// URL."""
    master = RedisServer(directory=tmp_path / "master").start()
    port = free_port()
    config = tmp_path / "sentinel.conf"
    config.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                      f"sentinel monitor hotline 127.0.0.1 {master.port} 1\n")
    process = subprocess.Popen([executable(), str(config), "--sentinel"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    probe = redis.Redis(port=port, socket_timeout=0.5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if probe.sentinel_get_master_addr_by_name("hotline"):
                break
        except redis.RedisError:
            pass
        time.sleep(0.05)  # waiting for the server to come up, not an assertion
    else:
        raise RuntimeError("redis sentinel did not start")
    probe.close()
    yield f"redis+sentinel://127.0.0.1:{port}/hotline/1"
    process.terminate()
    process.wait(10)
    master.stop()


def test_web_and_worker_reach_the_master_through_sentinel(sentinel):
    client = connect(sentinel, 1.0)
    client.set("probe", "1")
    assert client.get("probe") == b"1"
    queue = Queue("maintenance", connection=client)
    job = queue.enqueue("builtins.len", "four")
    SimpleWorker([queue], connection=client).work(burst=True)
    assert job.latest_result().return_value == 4
    client.close()


def test_a_new_breaker_lets_redis_be_tried():
    assert Breaker().closed


def test_a_failure_opens_the_breaker_for_its_seconds_then_redis_is_tried_again():
    breaker = Breaker(seconds=0.2)
    breaker.trip()
    assert not breaker.closed
    time.sleep(0.25)
    assert breaker.closed


def test_a_success_closes_the_breaker_at_once():
    breaker = Breaker(seconds=60)
    breaker.trip()
    breaker.reset()
    assert breaker.closed
