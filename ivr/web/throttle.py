"""Throttles in front of password hashing, so that staff logins can never take the phone line's capacity.

Each password check costs ~150 ms of scrypt. Three rate limits (Flask-Limiter on the app's Redis, shared by every
web process) refuse excess attempts with 429 before any hashing: per client address, for all addresses together,
and failed attempts per name (per address and name, and per name from anywhere; unknown names count exactly like
accounts). Behind them a host-wide semaphore lets only LOGIN_HASH_SLOTS hashes run at once; an attempt that finds
every slot taken gets 503 at once instead of holding a gunicorn worker.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import request
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from markupsafe import escape
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr.web.headers import PRIVATE
from ivr.web.i18n import ui_lang
from ivr.web.services import EXTENSION

FROM_SETTINGS = {
    "LOGIN_RATE_PER_ADDRESS": "login_rate_per_address",
    "LOGIN_RATE_GLOBAL": "login_rate_global",
    "LOGIN_MAX_FAILURES": "login_max_failures",
    "LOGIN_WINDOW_SECONDS": "login_window_seconds",
    "LOGIN_HASH_SLOTS": "login_hash_slots",
}
"""app.config key: the Settings field it defaults to (IVR_LOGIN_*, read and checked by ivr.settings)."""
NAME_FACTOR = 4
"""Failures per name from all addresses together, as a multiple of LOGIN_MAX_FAILURES per address and name."""


def init_app(app: Flask, bp: Blueprint, redis_pool: object | None) -> Limiter:
    """Put the limits in front of the blueprint's login view; the webhooks never run the limiter's hooks.

    The limits start from the settings of the app's container (ivr.web.services.init_app first)."""
    settings = app.extensions[EXTENSION].settings
    for key, field in FROM_SETTINGS.items():
        app.config.setdefault(key, getattr(settings, field))
    lock_dir = Path(app.instance_path) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("LOGIN_HASH_LOCK_DIR", str(lock_dir))
    # Redis down: fall back to memory per process. Failing open would hand the flood back to scrypt; failing
    # closed would lock every staff member out while callers' data waits; per process the limits still hold,
    # only multiplied by the number of web processes.
    storage = {"storage_uri": "redis://", "storage_options": {"connection_pool": redis_pool}} if redis_pool \
        else {"storage_uri": "memory://"}
    limiter = Limiter(get_remote_address, strategy="fixed-window", in_memory_fallback_enabled=True,
                      swallow_errors=True, key_prefix="ivr-login", **storage)  # type: ignore[arg-type]
    limiter.init_app(app)
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)  # not a line per refused attempt of a flood
    only_login = partial(_exempt, bp.name + ".login")
    limiter.limit(_setting("LOGIN_RATE_PER_ADDRESS"), methods=["POST"], exempt_when=only_login)(bp)
    limiter.limit(_setting("LOGIN_RATE_GLOBAL"), key_func=_everyone, methods=["POST"],
                  exempt_when=only_login)(bp)
    limiter.limit(_failures(1), key_func=_address_and_name, methods=["POST"], exempt_when=only_login,
                  deduct_when=_failed)(bp)
    limiter.limit(_failures(NAME_FACTOR), key_func=_name, methods=["POST"], exempt_when=only_login,
                  deduct_when=_failed)(bp)
    _scope_hooks(app, limiter, bp.name)
    gate = Gate(app.wsgi_app)
    if isinstance(app.wsgi_app, ProxyFix):  # behind the proxy fix: the gate must see the client's address
        gate = Gate(app.wsgi_app.app)
        app.wsgi_app.app = gate  # type: ignore[method-assign]
    else:
        app.wsgi_app = gate  # type: ignore[method-assign]
    app.extensions["ivr.login_gate"] = gate
    app.extensions["ivr.limiter"] = limiter
    return limiter


class Gate:
    """WSGI in front of Flask: refuses POST /login at once while this process knows the overall limit or the
    address's limit is used up for the current window, without a request context, a session or a Redis trip.

    A fixed window, once exceeded, stays exceeded until it resets, so nothing is refused that the limiter would
    let through. During a flood this is all a web process does for it (gunicorn parses the request, this answers).
    """

    MAX_ADDRESSES = 4096
    """Addresses remembered at most (each entry lives until its window resets)."""
    BODY = (b'<!doctype html><html><meta charset="utf-8"><title>429</title><p role="alert">Zu viele Anmeldeversuche. '
            b'Bitte sp\xc3\xa4ter erneut versuchen. / Too many login attempts. Please try again later.</p>'
            b'<p><a href="/login">Anmelden / Log in</a></p></html>')

    def __init__(self, app):
        self.app = app
        self.everyone_until = 0.0
        self.address_until: dict[str, float] = {}

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/login" and environ.get("REQUEST_METHOD") == "POST":
            until = max(self.everyone_until, self.address_until.get(environ.get("REMOTE_ADDR") or "", 0.0))
            wait = until - time.time()
            if wait > 0:
                start_response("429 TOO MANY REQUESTS", [
                    ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(self.BODY))),
                    ("Retry-After", str(math.ceil(wait))), *PRIVATE])
                return [self.BODY]
        return self.app(environ, start_response)

    def remember(self, key_func: object, address: str, reset_at: float) -> None:
        """Note a breached overall or per-address limit until its window resets (others are per name)."""
        if key_func is _everyone:
            self.everyone_until = reset_at
        elif key_func is get_remote_address:
            if len(self.address_until) >= self.MAX_ADDRESSES:
                now = time.time()
                self.address_until = {a: t for a, t in self.address_until.items() if t > now}
                if len(self.address_until) >= self.MAX_ADDRESSES:
                    self.address_until.clear()
            self.address_until[address] = reset_at


def remember_breach(app: Flask, limit: object) -> int:
    """Tell the gate about a breached limit; return the seconds until its window resets (for Retry-After)."""
    current = app.extensions["ivr.limiter"].current_limit
    reset_at = float(current.reset_at) if current is not None else time.time() + 60
    app.extensions["ivr.login_gate"].remember(getattr(limit, "key_func", None), get_remote_address(), reset_at)
    return max(1, math.ceil(reset_at - time.time()))


def refusal(message: str, link: str, status: int, retry_after: int) -> Response:
    """A refused attempt: a few bytes of HTML with the message and a link back to the form, no template."""
    body = (f'<!doctype html><html lang="{escape(ui_lang())}"><meta charset="utf-8"><title>{status}</title>'
            f'<p role="alert">{escape(message)}</p><p><a href="/login">{escape(link)}</a></p></html>')
    return Response(body, status, headers={"Retry-After": str(retry_after)}, mimetype="text/html")


def _scope_hooks(app: Flask, limiter: Limiter, blueprint: str) -> None:
    """Move the limiter's app-wide request hooks to the blueprint: every webhook would pay for them otherwise."""
    for funcs in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        mine = [f for f in funcs.get(None, []) if getattr(f, "__self__", None) is limiter
                or (isinstance(f, partial) and f.args[:1] == (limiter,))]
        for func in mine:
            funcs[None].remove(func)
            funcs.setdefault(blueprint, []).append(func)


def _everyone() -> str:
    return "all"


def _exempt(endpoint: str) -> bool:
    return request.endpoint != endpoint


def _setting(key: str):
    return lambda: str(current_app.config[key])


def _failures(factor: int):
    def limit() -> str:
        config = current_app.config
        return f"{int(config['LOGIN_MAX_FAILURES']) * factor} per {int(config['LOGIN_WINDOW_SECONDS'])} seconds"

    return limit


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _name() -> str:
    """A keyed hash of the typed name: names (or a password typed into the name field) never reach Redis."""
    typed = request.form.get("username", "")[:64].strip().lower()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, typed.encode(), hashlib.sha256).hexdigest()[:32]


def _address_and_name() -> str:
    return f"{get_remote_address()}|{_name()}"


@contextmanager
def hash_slot(app: Flask) -> Iterator[bool]:
    """Take one of the host's LOGIN_HASH_SLOTS without waiting; yield False when all are taken.

    A file lock per slot, not a threading.Semaphore: gunicorn's sync workers are separate processes with one
    request each, so the bound must hold across processes. The kernel frees the lock of a killed process.
    """
    folder = Path(app.config["LOGIN_HASH_LOCK_DIR"])
    for slot in range(int(app.config["LOGIN_HASH_SLOTS"])):
        fd = os.open(folder / f"login-hash-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield True
        finally:
            os.close(fd)  # closing releases the lock
        return
    yield False
