"""Named API clients: tokens shown once and stored hashed, scopes per resource and method, revocation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ivr.hotline import apiclients
from ivr.store.db import api_clients


@pytest.mark.parametrize("path, method, scope", [
    ("/api/callbacks", "GET", "callbacks:read"), ("/api/callbacks/7", "PATCH", "callbacks:write"),
    ("/api/calls/CA1", "HEAD", "calls:read"), ("/api/desks", "GET", "desks:read"),
    ("/api/desks/zebera/closure", "POST", "closures:write"), ("/api/desks/zebera/closure", "GET", "closures:write"),
    ("/api/announcement", "DELETE", "closures:write"), ("/api/overflow", "POST", "closures:write"),
    ("/api/simulate", "POST", "admin:write"), ("/api", "GET", "admin:read"),
])
def test_required_scope_follows_the_resource_and_the_method(path, method, scope):
    assert apiclients.required_scope(path, method) == scope


def test_a_token_works_within_its_scopes_until_revoked(engine, clock):
    client_id, token = apiclients.create(engine, "crm", ["callbacks:read", "callbacks:read"], clock())
    with engine.connect() as conn:
        row = conn.execute(sa.select(api_clients)).mappings().one()
    assert token.startswith("ivr_") and row["token_hash"] == apiclients.token_hash(token) != token
    assert row["scopes"] == "callbacks:read"
    assert apiclients.actor_for(engine, token, "/api/callbacks", "GET", clock()) == f"api:{client_id}"
    assert apiclients.actor_for(engine, token, "/api/callbacks/1", "PATCH", clock()) is None
    assert apiclients.actor_for(engine, token + "x", "/api/callbacks", "GET", clock()) is None
    assert apiclients.actor_for(engine, token[4:], "/api/callbacks", "GET", clock()) is None
    assert apiclients.listing(engine)[0]["last_used_at"] == clock()
    assert "token_hash" not in apiclients.listing(engine)[0]
    assert apiclients.revoke(engine, "crm", clock()) == client_id
    assert apiclients.revoke(engine, "crm", clock()) is None
    assert apiclients.actor_for(engine, token, "/api/callbacks", "GET", clock()) is None


def test_admin_scope_covers_every_request(engine, clock):
    client_id, token = apiclients.create(engine, "ops", ["admin"], clock())
    for path, method in (("/api/overflow", "POST"), ("/api/calls/CA1", "GET"), ("/api/callbacks/1", "PATCH")):
        assert apiclients.actor_for(engine, token, path, method, clock()) == f"api:{client_id}"


@pytest.mark.parametrize("name, scopes, message", [("CRM", ["admin"], "name"), ("x", ["admin"], "name"),
                                                   ("crm", [], "scopes"), ("crm", ["everything"], "unknown")])
def test_create_refuses_bad_names_and_scopes(engine, clock, name, scopes, message):
    with pytest.raises(ValueError, match=message):
        apiclients.create(engine, name, scopes, clock())


def test_names_are_unique(engine, clock):
    apiclients.create(engine, "crm", ["calls:read"], clock())
    with pytest.raises(ValueError, match="exists already"):
        apiclients.create(engine, "crm", ["calls:read"], clock())
