"""Named API clients: random tokens shown once, stored as SHA-256 hashes, each with a set of scopes."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ivr.store.db import api_clients

SCOPES = ("callbacks:read", "callbacks:write", "calls:read", "desks:read", "closures:write", "agents:write", "admin")
"""What a client may be granted; `admin` covers everything."""
_RESOURCE = {"callbacks": "callbacks", "calls": "calls", "desks": "desks", "announcement": "closures",
             "overflow": "closures", "agents": "agents"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


def token_hash(token: str) -> str:
    """Hash a token for storage (tokens are 256-bit random, so a fast hash is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def required_scope(path: str, method: str) -> str:
    """Scope a request needs: resource of the URL and read (GET) or write (anything else)."""
    parts = [p for p in path.split("/") if p][1:]  # drop "api"
    resource = _RESOURCE.get(parts[0] if parts else "", "admin")
    if resource == "desks" and len(parts) >= 3 and parts[2] == "closure":
        resource = "closures"
    if resource == "closures":
        return "closures:write"
    return f"{resource}:{'read' if method in ('GET', 'HEAD') else 'write'}"


def create(engine: Engine, name: str, scopes: list[str], now: datetime) -> tuple[int, str]:
    """Create a client; return (id, token). The token is shown this once and never stored."""
    if not _NAME.match(name):
        raise ValueError("name: lower-case letters, digits, '.', '_' and '-', 2 to 64 characters")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)}" + (f" (unknown: {unknown})" if unknown else ""))
    token = "ivr_" + secrets.token_urlsafe(32)
    try:
        with engine.begin() as conn:
            client_id = conn.execute(api_clients.insert().values(
                name=name, token_hash=token_hash(token), scopes=" ".join(sorted(set(scopes))),
                created_at=now)).inserted_primary_key[0]
    except IntegrityError:
        raise ValueError(f"an API client named {name!r} exists already") from None
    return client_id, token


def listing(engine: Engine) -> list[dict[str, Any]]:
    """Return every client (without hashes), oldest first."""
    query = sa.select(api_clients.c.id, api_clients.c.name, api_clients.c.scopes, api_clients.c.created_at,
                      api_clients.c.revoked_at, api_clients.c.last_used_at).order_by(api_clients.c.id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def revoke(engine: Engine, name: str, now: datetime) -> int | None:
    """Revoke a client by name; return its id, or None when there is no active client of that name."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(api_clients.c.id).where(api_clients.c.name == name)
                           .where(api_clients.c.revoked_at.is_(None))).first()
        if row is None:
            return None
        conn.execute(api_clients.update().where(api_clients.c.id == row[0]).values(revoked_at=now))
        return row[0]


def actor_for(engine: Engine, token: str, path: str, method: str, now: datetime) -> str | None:
    """Return "api:<id>" when an active client holds this token and the scope the request needs."""
    if not token.startswith("ivr_"):
        return None
    with engine.begin() as conn:
        row = conn.execute(sa.select(api_clients).where(api_clients.c.token_hash == token_hash(token))
                           .where(api_clients.c.revoked_at.is_(None))).mappings().first()
        if row is None:
            return None
        scopes = set(row["scopes"].split())
        if "admin" not in scopes and required_scope(path, method) not in scopes:
            return None
        conn.execute(api_clients.update().where(api_clients.c.id == row["id"]).values(last_used_at=now))
    return f"api:{row['id']}"
