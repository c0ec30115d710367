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

import sqlalchemy as sa

from ivr.engine.model import QueueLine
from ivr.flowops.versions import Sources
from ivr.hotline import closures
from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users
from ivr.settings import Settings
from ivr.settings import load_settings
from ivr.store import db

AppFactory = Callable[..., Any]
"""`create_app(settings, clock=..., **flask_config)`: passed in, so flow operations never import the web."""
KEEP_SANDBOXES = 2
"""Apps kept per process, one per (flows version, settings); older ones close once no simulation uses them."""
VOICE_EXTENSION = "ivr.web.voice"
"""Where the app keeps its webhooks' switchboard (read here by name: flow operations never import the web)."""
PEOPLE = "sim-"
"""Username prefix of the simulated people at queue desks."""
Staff = tuple[tuple[str, tuple[str, ...]], ...]
"""Simulated people: (desk, languages) each, in the order given."""


def person_name(desk: str, languages: tuple[str, ...], index: int) -> str:
    """The username of a simulated person: "sim-info-de-ar" (a number added for a second one alike)."""
    return f"{PEOPLE}{desk}-{'-'.join(languages)}" + (f"-{index}" if index else "")


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
        self._staff: Staff | None = None
        board = self.app.extensions.get(VOICE_EXTENSION)
        if board is not None:
            # a simulation has no Redis (nothing is queued: the simulator plays Twilio and the worker), so the
            # app would dial a queue desk's number as when Redis is down; here a queue desk is reached as on a
            # healthy hotline: its queue when a simulated person is signed in, else the no-one path
            board.queue_line = self._queue_line

    def _queue_line(self, desk: str, now: datetime) -> QueueLine:
        with self.services.engine.connect() as conn:
            return QueueLine.QUEUE if queueing.signed_in(conn, desk, now) else QueueLine.NOBODY

    def post(self, now: datetime, closed: tuple[str, ...], url: str, params: dict[str, str], signature: str,
             staff: Staff = ()) -> Any:
        """One webhook at a simulation's instant, with its desks closed and its people signed in."""
        with self.lock:
            self.now = now
            self._close(closed, now)
            self.staffed(staff, now)
            return self.client.post(url, data=params, headers={"X-Twilio-Signature": signature})

    def staffed(self, staff: Staff, now: datetime) -> None:
        """Sign `staff` in unless they are the people signed in already (another simulation may have changed them)."""
        with self.lock:
            if staff != self._staff:
                self.sign_in(staff, now)

    def sign_in(self, staff: Staff, now: datetime) -> None:
        """Make exactly `staff` available at their desks (made on first use) and every other simulated person
        signed out; a simulated person's offer or talk of an earlier simulation is forgotten."""
        wanted: dict[str, tuple[str, tuple[str, ...]]] = {}
        for desk, languages in staff:
            index = 0
            while person_name(desk, languages, index) in wanted:
                index += 1
            wanted[person_name(desk, languages, index)] = (desk, languages)
        with self.lock, self.services.engine.begin() as conn:
            known = {row.username: row.id for row in conn.execute(
                sa.select(db.users.c.username, db.users.c.id).where(db.users.c.username.like(PEOPLE + "%")))}
            for name, (desk, languages) in wanted.items():
                if name not in known:
                    known[name] = users.create(conn, name, secrets.token_hex(16), "staff", now,
                                               display_name=name, phone=f"+49151{len(known) + 1:08d}",
                                               languages=languages)
                    users.add_desk(conn, name, desk)
            busy = {a.user_id: a.busy_with for a in queueing.agents(conn, now) if a.username.startswith(PEOPLE)}
            for name, user_id in known.items():
                if queueing.talking_with(conn, user_id) is not None:
                    queueing.agent_done(conn, user_id, now, 1)
                elif busy.get(user_id) is not None:
                    queueing.withdraw(conn, busy[user_id], user_id, now, "simulation over")  # type: ignore[arg-type]
                presence.set_status(conn, user_id, presence.AVAILABLE if name in wanted else presence.SIGNED_OUT, now)
        self._staff = staff

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
