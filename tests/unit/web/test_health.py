"""/healthz: 200 only when webhooks can be answered properly; 503 naming the failing part otherwise."""

from __future__ import annotations

from ivr import create_app
from ivr.store.redisserver import RedisServer
from ivr.web import health


def test_healthy_instance_answers_200_with_every_part_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["failing"] == []
    assert {part: body[part] for part in ("web", "redis", "database", "metrics")} == dict.fromkeys(
        ("web", "redis", "database", "metrics"), "ok")
    assert response.headers["Content-Type"] == "application/json"


def test_open_redis_breaker_is_503_until_it_closes(app, client, phone):
    client.get("/healthz")  # Redis and database answers are now cached: the breaker is still read live
    app.extensions["ivr"].breaker.trip()  # as after a webhook's Redis command failed
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unhealthy" and body["failing"] == ["redis"]
    assert body["redis"] == "breaker open" and body["database"] == "ok"
    phone().call()  # the caller is still answered meanwhile
    app.extensions["ivr"].breaker.reset()
    assert client.get("/healthz").status_code == 200


def test_unreachable_redis_is_503(settings, clock):
    app = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}), clock=clock, TESTING=True)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["redis"]
    assert response.get_json()["redis"] == "down"


def test_unreachable_database_is_503(settings, clock):
    unreachable = "postgresql://nobody:secret-password@127.0.0.1:1/hotline"
    app = create_app(settings.model_copy(update={"database_url": unreachable}), clock=clock, TESTING=True)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["database"] and body["database"] == "down" and body["redis"] == "ok"
    assert "secret-password" not in response.get_data(as_text=True) and "127.0.0.1" not in response.get_data(
        as_text=True)


def test_probe_answers_are_reused_briefly(settings, clock, tmp_path):
    """A load balancer polling many times a second costs one PING and one SELECT per PROBE_SECONDS."""
    server = RedisServer(directory=tmp_path / "redis").start()
    try:
        app = create_app(settings.model_copy(update={"redis_url": server.url}), clock=clock, TESTING=True)
        app.extensions["ivr.web.health"] = health.Probe(app.extensions["ivr"], ttl=3600)
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        server.stop()
        assert client.get("/healthz").get_json()["redis"] == "ok"  # the cached answer
        app.extensions["ivr.web.health"].ttl = 0
        assert client.get("/healthz").get_json()["redis"] == "down"
    finally:
        server.stop()
