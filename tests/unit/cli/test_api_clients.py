"""`ivr api-clients`: a token shown once, listed without it, revoked at once; each change audited."""

from __future__ import annotations

import sqlalchemy as sa

from ivr.hotline import apiclients
from ivr.store.db import audit_log


def test_create_list_revoke(cli, engine, clock):
    created = cli("api-clients", "create", "statistik", "--scope", "callbacks:read", "--scope", "desks:read")
    assert created.exit_code == 0, created.output
    token = created.output.splitlines()[-1]
    assert apiclients.actor_for(engine, token, "/api/desks", "GET", clock()) is not None
    listed = cli("api-clients", "list").output
    assert "\tstatistik\tactive\t" in listed and "last used" in listed and token not in listed
    assert cli("api-clients", "create", "statistik", "--scope", "callbacks:read").exit_code == 1  # name taken
    assert cli("api-clients", "create", "x", "--scope", "everything").exit_code == 1
    assert cli("api-clients", "revoke", "statistik").exit_code == 0
    assert cli("api-clients", "revoke", "statistik").output == "Error: no active API client named 'statistik'\n"
    assert "\trevoked\t" in cli("api-clients", "list").output
    with engine.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.id)).scalars().all()
    assert actions == ["api_client.create", "api_client.revoke"]
