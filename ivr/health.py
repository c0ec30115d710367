"""/healthz: web, Redis and database state, without auth and without personal data."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from flask import Blueprint
from flask import jsonify
from sqlalchemy.exc import SQLAlchemyError

from ivr.services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report each dependency; 200 while the web process can answer calls, 503 when flows are missing."""
    svc = services()
    state = {"web": "ok", "redis": "down", "database": "down", "flows_version": svc.store.current.version}
    if svc.redis is not None:
        try:
            svc.redis.ping()
            state["redis"] = "ok"
        except redis.RedisError:
            pass
    else:
        state["redis"] = "not configured"
    try:
        with svc.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        state["database"] = "ok"
    except SQLAlchemyError:
        pass
    state["status"] = "ok" if state["redis"] == "ok" and state["database"] == "ok" else "degraded"
    return jsonify(state), 200
