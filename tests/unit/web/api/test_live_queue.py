"""The API's side of the live queue: per-desk waiting callers and people in /api/desks, a person's status by PUT."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ivr.hotline import apiclients
from ivr.hotline import presence
from ivr.store import jobqueue
from ivr.store.cipher import Cipher
from ivr.store.db import audit_log
from ivr.store.db import calls
from tests.support.livequeue import PHONES
from tests.support.livequeue import person
from tests.support.livequeue import scene


@pytest.fixture
def requested(monkeypatch):
    """The desks whose dispatch was asked for (the worker's function, recorded instead of queued)."""
    desks: list[str] = []
    monkeypatch.setattr(jobqueue, "request_dispatch", lambda conn, desk: desks.append(desk), raising=False)
    return desks


def _put(client, username: str, body, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return client.put(f"/api/agents/{username}/status", json=body, headers=headers)


def _audit(engine) -> list[tuple[str, str, str, str]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target, audit_log.c.detail)
            .where(audit_log.c.action == "presence.set").order_by(audit_log.c.id))]


def test_desks_carry_waiting_callers_and_people_by_state(api, engine, clock):
    with engine.begin() as conn:
        scene(conn, clock())
    response = api.get("/api/desks")
    assert response.status_code == 200
    desks = {desk["id"]: desk for desk in response.get_json()["desks"]}
    info = desks["info"]
    assert (info["connect"], info["waiting"], info["longest_wait_s"]) == ("queue", 3, 90)
    assert info["agents"] == {"available": 1, "busy": 1, "wrap_up": 1, "paused": 1}
    assert info["queue"]["waiting_by_language"] == {"ar": 2, "de": 1}
    assert info["queue"]["today"]["service_level"] == round(1 / 6, 4)
    assert desks["helpers"]["agents"]["wrap_up"] == 1 and desks["helpers"]["waiting"] == 0
    assert desks["zebera"]["connect"] == "dial" and desks["zebera"]["waiting"] == 0
    assert desks["zebera"]["agents"] == {"available": 0, "busy": 0, "wrap_up": 0, "paused": 0}
    text = response.get_data(as_text=True)
    assert not any(number in text for number in PHONES.values()) and "CAwait" not in text


def test_put_sets_the_status_writes_the_audit_and_asks_for_the_dispatch(api, client, engine, clock, requested):
    with engine.begin() as conn:
        anna = person(conn, "anna", clock(), desks=("info", "helpers", "zebera"))
    response = _put(client, "anna", {"status": "available"}, "test-api-token")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"username": "anna", "status": "available", "since": clock().isoformat(),
                                   "reason": None, "changed": True}
    assert sorted(requested) == ["helpers", "info"]  # zebera is dialled, it has no queue
    assert _put(client, "anna", {"status": "available"}, "test-api-token").get_json()["changed"] is False
    assert len(requested) == 2  # unchanged: nobody new to offer
    response = _put(client, "anna", {"status": "paused"}, "test-api-token")
    assert response.get_json()["status"] == "paused" and len(requested) == 2
    with engine.connect() as conn:
        assert presence.current(conn, anna, clock()).status == "paused"
    assert _audit(engine) == [("api:bootstrap", "presence.set", f"user:{anna}", "available"),
                              ("api:bootstrap", "presence.set", f"user:{anna}", "paused")]


@pytest.mark.parametrize("status", ["busy", "wrap_up", "AVAILABLE", "", "x" * 32])
def test_an_unknown_status_is_refused_naming_the_allowed_ones(client, engine, clock, status):
    with engine.begin() as conn:
        person(conn, "anna", clock())
    response = _put(client, "anna", {"status": status}, "test-api-token")
    assert response.status_code == 400
    assert "available, paused, signed_out" in response.get_json()["message"]
    assert _audit(engine) == []


@pytest.mark.parametrize("body", [{}, {"status": 1}, {"status": ["available"]}, {"status": "paused", "x": 1},
                                  {"status": "p" * 33}])
def test_a_malformed_body_is_refused(client, engine, clock, body):
    with engine.begin() as conn:
        person(conn, "anna", clock())
    assert _put(client, "anna", body, "test-api-token").status_code == 400


def test_a_person_without_phone_cannot_become_available(client, engine, clock, requested):
    with engine.begin() as conn:
        fritz = person(conn, "fritz", clock(), phone="")
    response = _put(client, "fritz", {"status": "available"}, "test-api-token")
    assert response.status_code == 409
    assert "no phone number" in response.get_json()["message"]
    assert _put(client, "fritz", {"status": "paused"}, "test-api-token").status_code == 200  # a pause needs none
    with engine.connect() as conn:
        assert presence.current(conn, fritz, clock()).status == "paused"
    assert requested == []


def test_unknown_or_deactivated_people(client, engine, clock):
    from ivr.hotline import users

    assert _put(client, "nobody", {"status": "paused"}, "test-api-token").status_code == 404
    with engine.begin() as conn:
        person(conn, "anna", clock())
        users.update(conn, "anna", clock(), active=False)
    response = _put(client, "anna", {"status": "available"}, "test-api-token")
    assert response.status_code == 409 and "deactivated" in response.get_json()["message"]


def test_the_put_needs_the_agents_write_scope(client, engine, clock):
    with engine.begin() as conn:
        person(conn, "anna", clock())
    _, reader = apiclients.create(engine, "wall", ["desks:read"], clock())
    _, writer = apiclients.create(engine, "rota", ["agents:write"], clock())
    assert _put(client, "anna", {"status": "paused"}).status_code == 401
    assert _put(client, "anna", {"status": "paused"}, reader).status_code == 401
    assert client.get("/api/desks", headers={"Authorization": f"Bearer {writer}"}).status_code == 401
    assert _put(client, "anna", {"status": "paused"}, writer).status_code == 200
    assert _audit(engine)[0][0].startswith("api:") and _audit(engine)[0][0] != "api:bootstrap"


def test_an_answered_call_names_who_took_it_by_a_pseudonym_never_the_account(api, engine, clock, settings):
    takers = ((1, "answered", 7), (2, "answered", 7), (3, "answered", 8), (4, "abandoned", None))
    rows = [{"call_sid": f"CA{n:032d}", "path": "[]", "desk": "info", "outcome": outcome, "answered_by": taker,
             "wait_seconds": 20, "talk_seconds": 180 if taker else None, "created_at": clock(), "updated_at": clock()}
            for n, outcome, taker in takers]
    with engine.begin() as conn:
        conn.execute(calls.insert(), rows)
    shown = [api.get(f"/api/calls/{row['call_sid']}").get_json() for row in rows]
    taken = [call["answered_by"] for call in shown]
    assert taken[0] == Cipher(settings.secret_key).pseudonym("user:7") and len(taken[0]) == 32
    assert taken[0] == taken[1] != taken[2] and taken[3] is None  # one person, one pseudonym
    assert (shown[0]["outcome"], shown[0]["wait_seconds"], shown[0]["talk_seconds"]) == ("answered", 20, 180)
    assert all("7" != str(value) and "8" != str(value) for call in shown for value in call.values())
