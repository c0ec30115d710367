"""Staff login: revocable sessions (Flask-Login), a throttled /login, CSRF on every form, the login_required guard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from typing import TypeVar
from urllib.parse import urlsplit

import flask_login
from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_limiter.errors import RateLimitExceeded
from flask_login import LoginManager
from flask_login import UserMixin
from flask_wtf.csrf import CSRFProtect

from ivr.hotline import audit
from ivr.hotline import staff_sessions
from ivr.hotline import users
from ivr.hotline.users import User
from ivr.web import throttle
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
PUBLIC_PATHS = ("/login", "/healthz", "/metrics", "/barrierefreiheit")
"""Paths anyone may open (the accessibility statement too); /static/ and the signed /voice/ webhooks are public too."""
PUBLIC_PREFIXES = ("/static/", "/voice/")
TOKEN_PREFIXES = ("/api/",)
"""Paths with their own bearer-token auth: no session, no CSRF."""
SESSION_LIFETIME = timedelta(hours=10)
"""How long a login lasts: one working day."""
F = TypeVar("F", bound=Callable[..., Any])


class StaffLogin(UserMixin):
    """What Flask-Login keeps for a request: the session's token (its id in the cookie) and the account."""

    def __init__(self, token: str, user: User):
        self.id = token
        self.user = user


def init_app(app: Flask) -> None:
    """Guard every route, turn on CSRF for forms, sessions and throttles, and register /login and /logout."""
    if app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31):  # Flask's default: too long for staff
        app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in _guard, with the webhook and API paths left out
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    csrf.init_app(app)
    manager = LoginManager()
    manager.session_protection = None  # the server-side record is what ends a session
    manager.user_loader(_load)
    manager.init_app(app, add_context_processor=False)
    app.before_request(_guard)
    app.context_processor(lambda: {"current_user": current_user(), "endpoints": app.view_functions})
    redis = app.extensions["ivr"].redis
    throttle.init_app(app, bp, redis.connection_pool if redis is not None else None)
    app.register_blueprint(bp)


def _load(token: str) -> StaffLogin | None:
    """Flask-Login's loader: the account of an open session record, if the account is active."""
    svc = services()
    with svc.engine.connect() as conn:
        user_id = staff_sessions.user_of(conn, token, svc.clock())
        user = users.load(conn, user_id) if user_id is not None else None
    return StaffLogin(token, user) if user is not None else None


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _to_login():
    return redirect(url_for("auth.login", next=_local(request.full_path)))


def _guard():
    """Default deny: paths outside the public list need a logged-in user; every form needs a CSRF token."""
    path = request.path
    if path.startswith(TOKEN_PREFIXES) or path.startswith("/voice/"):
        return None
    if not _is_public(path) and current_user() is None:
        return _to_login()
    csrf.protect()
    return None


def current_user() -> User | None:
    """Return the logged-in user of this request (loaded once per request), or None."""
    login = flask_login.current_user
    return login.user if login.is_authenticated else None


def login_required(roles: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """Redirect anonymous requests to /login; answer 403 when the user's role is not in `roles`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return _to_login()
            if roles is not None and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _local(target: str | None) -> str | None:
    """Keep only a path of this site for the post-login redirect; None for anything else.

    Browsers drop tabs and line breaks inside URLs and read a backslash as a slash, so `/\t/evil.com` or
    `/\\evil.com` would leave the site: any control or space character and any backslash is refused outright.
    """
    if not target or "\\" in target or not target.isprintable() or any(c.isspace() for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):
        return None
    return target.rstrip("?") or None


def landing(user: User) -> str:
    """The first page after login and the way home from an error page: the desk list, the simulator for operators."""
    if user.role == "operator" and "operators.simulator" in current_app.view_functions:
        return url_for("operators.simulator")
    return url_for("staff.home")


@bp.errorhandler(RateLimitExceeded)
def _throttled(exc: RateLimitExceeded):
    """Too many attempts (from this address, overall, or for this name): refused before any hashing.

    A small fixed page, no template and no audit row: during a flood this answer is what the web processes do
    all day, and every millisecond of it is a millisecond a caller's webhook waits in the queue.
    """
    wait = throttle.remember_breach(current_app, exc.limit)
    return throttle.refusal(translate("login_locked"), translate("login"), 429, retry_after=wait)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on POST check the password when a hashing slot is free."""
    if request.method == "GET":
        return render_template("auth/login.html", error=None, lang=ui_lang())
    svc = services()
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[:256]
    with throttle.hash_slot(current_app) as slot:
        if not slot:
            return throttle.refusal(translate("login_busy"), translate("login"), 503, retry_after=1)
        with svc.engine.connect() as conn:
            user = users.authenticate(conn, username, password)
    now = svc.clock()
    with svc.engine.begin() as conn:
        if user is None:
            audit.write(conn, "anonymous", "login.failed", None, now)
        else:
            token = staff_sessions.open_session(conn, user.id, now, current_app.permanent_session_lifetime)
            audit.write(conn, user.username, "login", f"user:{user.id}", now)
    if user is None:
        return render_template("auth/login.html", error=translate("login_failed"), lang=ui_lang()), 401
    lang = session.get("lang")
    session.clear()  # a fresh session on login: no fixation
    flask_login.login_user(StaffLogin(token, user))
    session["lang"] = lang or user.ui_lang
    session.permanent = True
    return redirect(_local(request.args.get("next")) or landing(user))


@bp.post("/logout")
def logout():
    """End this session: its record is deleted, so a copy of the cookie opens nothing either."""
    login = flask_login.current_user
    if login.is_authenticated:
        svc = services()
        with svc.engine.begin() as conn:
            staff_sessions.end(conn, login.id)
            audit.write(conn, login.user.username, "logout", f"user:{login.user.id}", svc.clock())
    flask_login.logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
