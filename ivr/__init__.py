"""The hotline's Flask application: create_app() wires the process container and every part of the web."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from ivr.container import Clock
from ivr.container import Container
from ivr.container import utc_now
from ivr.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, clock: Clock = utc_now, **flask_config: Any) -> Flask:
    """Create and configure the hotline app; refuse to start on invalid config or flows."""
    from ivr import logs
    from ivr.web import auth
    from ivr.web import errors
    from ivr.web import filters
    from ivr.web import headers
    from ivr.web import health
    from ivr.web import i18n
    from ivr.web import layout
    from ivr.web import metrics
    from ivr.web import services
    from ivr.web import statement
    from ivr.web.admin import jobs as admin_jobs
    from ivr.web.admin import users as admin_users
    from ivr.web.api import views as api
    from ivr.web.application import HotlineFlask
    from ivr.web.application import WebhookAwareSessions
    from ivr.web.application import staff_hooks
    from ivr.web.inputs import RowId
    from ivr.web.operators import views as operators
    from ivr.web.sms import views as sms
    from ivr.web.supervisors import dashboard
    from ivr.web.supervisors import live
    from ivr.web.supervisors import views as supervisors
    from ivr.web.voice import views as voice
    from ivr.web.workbench import calls as workbench_calls
    from ivr.web.workbench import status as workbench_status
    from ivr.web.workbench import views as workbench

    container = Container(settings, clock, web=True)
    settings = container.settings
    app = HotlineFlask(__name__, instance_path=settings.instance_dir)
    app.url_map.converters["int"] = RowId  # every <int:id> route: an id beyond the columns is a 404, not a 500
    app.config.update(SECRET_KEY=settings.secret_key, JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=64 * 1024,
                      SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.config.update(flask_config)
    if settings.config.web.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.config.web.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore
    app.session_interface = WebhookAwareSessions()
    logs.init_app(app, settings.log_format)  # first: loading the flows may already log (JSON and masked like the rest)
    services.init_app(app, container)  # flows and config checked here
    with staff_hooks(app):  # request hooks of people's pages; the webhooks skip them
        headers.init_app(app)  # no caching or framing of pages and API answers; nosniff
        i18n.init_app(app)
        auth.init_app(app)  # login guard (default deny), CSRF, sessions, the login throttle; /login, /logout
    filters.init_app(app)
    layout.init_app(app)  # the shell of every page: a role's navigation, the language switch
    errors.init_app(app)  # every HTTP error answered by its room: a page, JSON under /api/, as before under /voice/
    metrics.init_app(app)  # counts webhooks; /metrics
    voice.init_app(app)  # /voice/: Twilio's webhooks
    app.register_blueprint(sms.bp)  # /sms/: Twilio's Messaging webhooks (delivery states, callers' replies)
    app.register_blueprint(api.bp)  # /api/
    app.register_blueprint(health.bp)  # /healthz
    app.register_blueprint(statement.bp)  # /barrierefreiheit: the accessibility statement, open to everyone
    app.register_blueprint(workbench.bp, url_prefix="/staff")
    app.register_blueprint(workbench_calls.bp, url_prefix="/staff")
    app.register_blueprint(workbench_status.bp, url_prefix="/staff")  # a person's status for the live queue
    app.register_blueprint(supervisors.bp, url_prefix="/staff")
    app.register_blueprint(dashboard.bp)  # /dashboard/
    app.register_blueprint(live.bp)  # /live/: the queue desks now
    app.register_blueprint(admin_jobs.bp)  # /admin/jobs
    app.register_blueprint(admin_users.bp, url_prefix="/admin/users")
    app.register_blueprint(operators.bp, app_factory=create_app)  # /operator; simulated calls build their app
    app.add_url_rule("/", "index", workbench.index)
    logging.getLogger(__name__).info("hotline ready, flows version %s", container.store.current.version)
    return app
