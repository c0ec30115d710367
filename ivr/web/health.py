"""/healthz: can this web process answer Twilio's webhooks properly? Without auth and without personal data."""

from __future__ import annotations

import threading
import time

import redis
import sqlalchemy as sa
from flask import Blueprint
from flask import current_app
from flask import jsonify
from sqlalchemy.exc import SQLAlchemyError

from ivr.container import Container
from ivr.web import metrics
from ivr.web.services import services

bp = Blueprint("health", __name__)
PROBE_SECONDS = 1.0
"""Redis and database answers are reused this long per process: a busy load balancer costs one PING a second."""


class Probe:
    """Redis PING and database SELECT 1 of one process, cached briefly; the breaker and metrics are read live."""

    def __init__(self, svc: Container, ttl: float = PROBE_SECONDS):
        self.svc, self.ttl = svc, ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, str, str] | None = None

    def state(self) -> dict[str, str]:
        """Each part's state: "ok", or a few words saying what is wrong."""
        now = time.monotonic()
        with self._lock:
            if self._cached is None or now - self._cached[0] > self.ttl:
                self._cached = (now, self._redis(), self._database())
            _, redis_state, database_state = self._cached
        if redis_state == "ok" and not self.svc.breaker.closed:
            redis_state = "breaker open"  # webhooks skip Redis after a recent failure
        return {"web": "ok", "redis": redis_state, "database": database_state,
                "metrics": metrics.problem() or "ok"}

    def _redis(self) -> str:
        if self.svc.redis is None:
            return "not configured"  # allowed: the intake then writes straight to the database
        try:
            self.svc.redis.ping()
        except redis.RedisError:
            return "down"
        return "ok"

    def _database(self) -> str:
        try:
            with self.svc.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except SQLAlchemyError:
            return "down"
        return "ok"


@bp.get("/healthz")
def healthz():
    """200 when every part a webhook needs works; 503 naming the failing parts otherwise."""
    svc = services()
    probe = current_app.extensions.get("ivr.web.health")
    if probe is None or probe.svc is not svc:
        probe = current_app.extensions["ivr.web.health"] = Probe(svc)
    state = probe.state()
    failing = [part for part, value in state.items() if value not in ("ok", "not configured")]
    body = {"status": "unhealthy" if failing else "ok", "failing": failing, **state,
            "flows_version": svc.store.current.version}
    return jsonify(body), 503 if failing else 200
