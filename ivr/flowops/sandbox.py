"""The hotline app on a throwaway database, shared by the simulations of one flows version and settings."""

from __future__ import annotations

import hashlib
import secrets
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from ivr.flowops.versions import Sources
from ivr.hotline import closures
from ivr.settings import Settings
from ivr.settings import load_settings
from ivr.store import db

AppFactory = Callable[..., Any]
"""`create_app(settings, clock=..., **flask_config)`: passed in, so flow operations never import the web."""
KEEP_SANDBOXES = 2
"""Apps kept per process, one per (flows version, settings); older ones close once no simulation uses them."""


class Sandbox:
    """One app on a throwaway SQLite database, shared by simulations: each request runs at its simulation's
    clock and closures, one at a time."""

    def __init__(self, factory: AppFactory, environ: dict[str, str]):
        self._tmp = tempfile.TemporaryDirectory(prefix="ivr-simulate-")
        folder = Path(self._tmp.name)
        env = dict(environ, TWILIO_AUTH_TOKEN=secrets.token_hex(16), SECRET_KEY=secrets.token_hex(16),
                   DATABASE_URL=f"sqlite:///{folder / 'simulate.sqlite3'}", IVR_INSTANCE_DIR=str(folder))
        self.settings: Settings = load_settings(env)
        db.upgrade(self.settings.database_url)
        self.now = datetime.now(UTC)
        self.lock = threading.RLock()
        self.users = 0
        self.evicted = False
        try:
            self.app = factory(self.settings, clock=lambda: self.now, TESTING=True)
        except BaseException:
            self._tmp.cleanup()
            raise
        self.services = self.app.extensions["ivr"]
        self.client = self.app.test_client()
        self._closed: tuple[tuple[str, ...], datetime | None] = ((), None)

    def post(self, now: datetime, closed: tuple[str, ...], url: str, params: dict[str, str], signature: str) -> Any:
        """One webhook at a simulation's instant, with its desks closed."""
        with self.lock:
            self.now = now
            self._close(closed, now)
            return self.client.post(url, data=params, headers={"X-Twilio-Signature": signature})

    def _close(self, desks: tuple[str, ...], now: datetime) -> None:
        """Make exactly `desks` closed for a day from `now`; nothing to write when a simulation closes none."""
        wanted = (desks, now if desks else None)
        if wanted == self._closed:
            return
        engine = self.services.engine
        for desk in self._closed[0]:
            closures.end_closure(engine, desk, "closure", now)
        for desk in desks:
            closures.set_closure(engine, desk, "closure", now + timedelta(days=1), "simulated closure", {},
                                 "simulator", now)
        self._closed = wanted
        self.services.closures.refresh()

    def close(self) -> None:
        """Stop the app's threads and delete the throwaway database."""
        self.services.close()
        self._tmp.cleanup()


_sandboxes: OrderedDict[tuple, Sandbox] = OrderedDict()
_sandboxes_lock = threading.Lock()


def acquire(factory: AppFactory, environ: dict[str, str]) -> Sandbox:
    """The cached app of these settings and of the flows and config as they are now (built on first use)."""
    where = load_settings(dict(environ, TWILIO_AUTH_TOKEN="-", SECRET_KEY="-"))
    version = hashlib.sha256(Sources.read(where.flows_dir, where.config_path).to_json().encode()).hexdigest()
    key = (factory, tuple(sorted(environ.items())), version)
    with _sandboxes_lock:
        sandbox = _sandboxes.get(key)
        if sandbox is None:
            sandbox = _sandboxes[key] = Sandbox(factory, environ)
        _sandboxes.move_to_end(key)
        sandbox.users += 1
        old = [_sandboxes.popitem(last=False)[1] for _ in range(len(_sandboxes) - KEEP_SANDBOXES)]
        for evicted in old:
            evicted.evicted = True
        unused = [s for s in old if s.users == 0]
    for evicted in unused:
        evicted.close()
    return sandbox


def release(sandbox: Sandbox) -> None:
    """A simulation is done with its app; an evicted app closes when its last simulation lets go."""
    with _sandboxes_lock:
        sandbox.users -= 1
        done = sandbox.evicted and sandbox.users == 0
    if done:
        sandbox.close()
