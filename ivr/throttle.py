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
import os
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

log = logging.getLogger(__name__)
DEFAULTS = {
    "LOGIN_RATE_PER_ADDRESS": ("IVR_LOGIN_RATE_PER_ADDRESS", "20 per minute"),
    "LOGIN_RATE_GLOBAL": ("IVR_LOGIN_RATE_GLOBAL", "60 per minute"),
    "LOGIN_MAX_FAILURES": ("IVR_LOGIN_MAX_FAILURES", "5"),
    "LOGIN_WINDOW_SECONDS": ("IVR_LOGIN_WINDOW_SECONDS", "900"),
    "LOGIN_HASH_SLOTS": ("IVR_LOGIN_HASH_SLOTS", "1"),
}
"""app.config key: (environment variable, default)."""
NAME_FACTOR = 4
"""Failures per name from all addresses together, as a multiple of LOGIN_MAX_FAILURES per address and name."""


def init_app(app: Flask, bp: Blueprint, redis_pool: object | None) -> Limiter:
    """Put the limits in front of the blueprint's login view; the webhooks never run the limiter's hooks."""
    for key, (env, default) in DEFAULTS.items():
        value = os.environ.get(env, default)
        app.config.setdefault(key, int(value) if value.isdigit() else value)
    lock_dir = Path(app.instance_path) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("LOGIN_HASH_LOCK_DIR", str(lock_dir))
    # Redis down: fall back to memory per process. Failing open would hand the flood back to scrypt; failing
    # closed would lock every staff member out while callers' data waits; per process the limits still hold,
    # only multiplied by the number of web processes.
    storage = {"storage_uri": "redis://", "storage_options": {"connection_pool": redis_pool}} if redis_pool \
        else {"storage_uri": "memory://"}
    limiter = Limiter(get_remote_address, strategy="fixed-window", in_memory_fallback_enabled=True,
                      key_prefix="ivr-login", **storage)  # type: ignore[arg-type]
    limiter.init_app(app)
    only_login = partial(_exempt, bp.name + ".login")
    limiter.limit(_setting("LOGIN_RATE_PER_ADDRESS"), methods=["POST"], exempt_when=only_login)(bp)
    limiter.limit(_setting("LOGIN_RATE_GLOBAL"), key_func=lambda: "all", methods=["POST"],
                  exempt_when=only_login)(bp)
    limiter.limit(_failures(1), key_func=_address_and_name, methods=["POST"], exempt_when=only_login,
                  deduct_when=_failed)(bp)
    limiter.limit(_failures(NAME_FACTOR), key_func=_name, methods=["POST"], exempt_when=only_login,
                  deduct_when=_failed)(bp)
    _scope_hooks(app, limiter, bp.name)
    return limiter


def _scope_hooks(app: Flask, limiter: Limiter, blueprint: str) -> None:
    """Move the limiter's app-wide request hooks to the blueprint: every webhook would pay for them otherwise."""
    for funcs in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        mine = [f for f in funcs.get(None, []) if getattr(f, "__self__", None) is limiter
                or (isinstance(f, partial) and f.args[:1] == (limiter,))]
        for func in mine:
            funcs[None].remove(func)
            funcs.setdefault(blueprint, []).append(func)


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
