"""Staff login: sessions, rate-limited /login, CSRF on every form, and the login_required guard."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_wtf.csrf import CSRFProtect

from ivr import audit
from ivr import users
from ivr.db import login_failures
from ivr.i18n import translate
from ivr.i18n import ui_lang
from ivr.services import services
from ivr.users import User

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
PUBLIC_PATHS = ("/login", "/healthz", "/metrics")
"""Paths anyone may open; /static/ and the signed /voice/ webhooks are public too."""
PUBLIC_PREFIXES = ("/static/", "/voice/")
TOKEN_PREFIXES = ("/api/",)
"""Paths with their own bearer-token auth: no session, no CSRF."""
SESSION_LIFETIME = timedelta(hours=10)
"""How long a login lasts: one working day."""
F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Guard every route, turn on CSRF for forms, and register /login and /logout."""
    app.config.setdefault("LOGIN_MAX_FAILURES", int(os.environ.get("IVR_LOGIN_MAX_FAILURES", "5")))
    app.config.setdefault("LOGIN_WINDOW_SECONDS", int(os.environ.get("IVR_LOGIN_WINDOW_SECONDS", "900")))
    if app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31):  # Flask's default: too long for staff
        app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in _guard, with the webhook and API paths left out
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    csrf.init_app(app)
    app.before_request(_guard)
    app.context_processor(lambda: {"current_user": current_user(), "endpoints": app.view_functions})
    app.register_blueprint(bp)


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _guard():
    """Default deny: paths outside the public list need a logged-in user; every form needs a CSRF token."""
    path = request.path
    if path.startswith(TOKEN_PREFIXES) or path.startswith("/voice/"):
        return None
    if not _is_public(path) and current_user() is None:
        return redirect(url_for("auth.login", next=_local(request.full_path)))
    csrf.protect()
    return None


def current_user() -> User | None:
    """Return the logged-in user of this request (loaded once per request), or None."""
    if "user" not in g:
        user_id = session.get("uid")
        g.user = None
        if isinstance(user_id, int):
            with services().engine.connect() as conn:
                g.user = users.load(conn, user_id)
    return g.user


def login_required(roles: tuple[str, ...] | None = None) -> Callable[[F], F]:
    """Redirect anonymous requests to /login; answer 403 when the user's role is not in `roles`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=_local(request.full_path)))
            if roles is not None and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _local(target: str | None) -> str | None:
    """Keep only same-site paths for the post-login redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target.rstrip("?") or None


def _landing(user: User) -> str:
    """The first page after login: the desk list, or the operators' page for operators."""
    if user.role == "operator" and "operators.simulator" in current_app.view_functions:
        return url_for("operators.simulator")
    return url_for("staff.home")


def _failure_key(username: str) -> str:
    secret = services().settings.secret_key.encode()
    text = f"{request.remote_addr or '-'}|{username.strip().lower()}".encode()
    return hmac.new(secret, text, hashlib.sha256).hexdigest()


def _locked(conn: sa.Connection, key: str) -> bool:
    svc = services()
    since = svc.clock() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    count = conn.execute(
        sa.select(sa.func.count())
        .select_from(login_failures)
        .where(login_failures.c.key == key)
        .where(login_failures.c.at > since)
    ).scalar_one()
    return count >= current_app.config["LOGIN_MAX_FAILURES"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on POST check the password, unless this IP and name failed too often."""
    svc = services()
    error, status = None, 200
    if request.method == "POST":
        username = request.form.get("username", "")[:64]
        password = request.form.get("password", "")[:256]
        key = _failure_key(username)
        now = svc.clock()
        with svc.engine.begin() as conn:
            if _locked(conn, key):
                audit.write(conn, "anonymous", "login.locked", None, now)
                error, status = translate("login_locked"), 429
            else:
                user = users.authenticate(conn, username, password)
                if user is None:
                    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
                    conn.execute(login_failures.delete().where(login_failures.c.at < now - window))
                    conn.execute(login_failures.insert().values(key=key, at=now))
                    audit.write(conn, "anonymous", "login.failed", None, now)
                    error, status = translate("login_failed"), 401
                else:
                    conn.execute(login_failures.delete().where(login_failures.c.key == key))
                    audit.write(conn, user.username, "login", f"user:{user.id}", now)
        if error is None:
            lang = session.get("lang")
            session.clear()  # a fresh session on login: no fixation
            session["uid"] = user.id
            session["lang"] = lang or user.ui_lang
            session.permanent = True
            return redirect(_local(request.args.get("next")) or _landing(user))
    return render_template("auth/login.html", error=error, lang=ui_lang()), status


@bp.post("/logout")
def logout():
    """End the session."""
    user = current_user()
    if user is not None:
        audit.write(services().engine, user.username, "logout", f"user:{user.id}", services().clock())
    session.clear()
    return redirect(url_for("auth.login"))
