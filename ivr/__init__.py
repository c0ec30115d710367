"""The hotline's Flask application: create_app() wires settings, flows, storage and blueprints."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask import Request
from flask.sessions import SecureCookieSessionInterface

from ivr.settings import Settings
from ivr.settings import load_settings
from ivr.web.services import Clock
from ivr.web.services import Services
from ivr.web.services import utc_now

__all__ = ["create_app"]


class HotlineFlask(Flask):
    """Flask, remembering which hooks and views are coroutines instead of inspecting them on every request."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        sync = self._sync.get(func)
        if sync is None:
            sync = self._sync[func] = super().ensure_sync(func)
        return sync


class WebhookAwareSessions(SecureCookieSessionInterface):
    """Skip the session cookie for Twilio webhooks: they never use one, and the hot path should not pay for it."""

    def open_session(self, app: Flask, request: Request):  # type: ignore[override]
        if request.path.startswith("/voice/"):
            return self.null_session_class()
        return super().open_session(app, request)


def create_app(settings: Settings | None = None, clock: Clock = utc_now, **flask_config: Any) -> Flask:
    """Create and configure the hotline app; refuse to start on invalid config or flows."""
    settings = settings or load_settings()
    app = HotlineFlask(__name__, instance_path=settings.instance_dir)
    from ivr.web.inputs import RowId

    app.url_map.converters["int"] = RowId  # every <int:id> route: an id beyond the columns is a 404, not a 500
    app.config.update(SECRET_KEY=settings.secret_key, JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=64 * 1024,
                      SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.config.update(flask_config)
    if settings.config.web.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.config.web.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore
    app.session_interface = WebhookAwareSessions()
    from ivr.web import headers
    headers.init_app(app)  # nosniff everywhere; no caching or framing of pages and API answers
    from ivr import logs

    logs.init_app(app)  # first: starting the services may already log (JSON and masked like the rest)
    Services(settings, clock).init_app(app)
    from ivr.web import health
    from ivr.web.api import views as api
    from ivr.web.voice import views as voice
    app.register_blueprint(voice.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(health.bp)
    from ivr.web import errors
    errors.init_app(app)  # every HTTP error answered by its room: a page, JSON under /api/, as before under /voice/
    from ivr.web.workbench import views as staff

    staff.init_app(app)
    from ivr.web import metrics
    from ivr.web.admin import jobs as jobmonitor
    from ivr.web.admin import users as useradmin
    from ivr.web.supervisors import dashboard
    metrics.init_app(app)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(jobmonitor.bp)
    app.register_blueprint(useradmin.bp, url_prefix="/admin/users")
    from ivr.web.operators import views as operators

    app.register_blueprint(operators.bp)
    logging.getLogger(__name__).info("hotline ready, flows version %s", app.extensions["ivr"].store.current.version)
    return app
