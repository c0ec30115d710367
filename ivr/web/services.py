"""The hotline's shared objects for one process: settings, flows, database, Redis, renderer, clock."""

from __future__ import annotations

import logging
import os
import weakref
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import redis
from flask import Flask
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ivr.engine.model import Context
from ivr.engine.model import Reached
from ivr.engine.model import Step
from ivr.engine.phones import check_number
from ivr.engine.phones import is_anonymous
from ivr.flowops.flowstore import FlowStore
from ivr.hotline import callbacks
from ivr.hotline.closures import ClosureCache
from ivr.hotline.officehours import build_schedules
from ivr.hotline.officehours import desk_status
from ivr.hotline.officehours import overflow_number
from ivr.settings import Settings
from ivr.store.breaker import Breaker
from ivr.store.breaker import connect
from ivr.store.callpaths import Tracker
from ivr.store.cipher import Cipher
from ivr.store.db import make_engine
from ivr.store.outbox import Intake
from ivr.telephony.twiml import Renderer
from ivr.web.voice import callstate

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
STEP_CACHE_SIZE = 4096
"""Menu steps remembered per process (nodes x languages x retries x keys of the shipped menu fit easily)."""


def utc_now() -> datetime:
    """The process clock in UTC (never the database's or Redis's clock)."""
    return datetime.now(UTC)


class Services:
    """Everything a request or command needs, built once per process."""

    instances: weakref.WeakSet[Services] = weakref.WeakSet()
    """Every live Services object, so a test run can close what its tests opened."""

    def __init__(self, settings: Settings, clock: Clock = utc_now):
        Services.instances.add(self)
        self.settings = settings
        self.clock = clock
        self.cipher = Cipher(settings.secret_key)
        self.store = FlowStore(settings)
        self.engine = make_engine(settings.database_url, web=True)
        self.breaker = Breaker()
        timeout = settings.config.web.redis_timeout_seconds
        self.redis: redis.Redis | None = connect(settings.redis_url, timeout) if settings.redis_url else None
        self.tracker = Tracker(self.redis, self.breaker) if self.redis is not None else None
        self.closures = ClosureCache(self.engine, self.redis)
        self.schedules = build_schedules(settings.config)
        self.store.listeners.append(self._config_changed)
        self.store.attach(self.engine, clock)  # issue 6: versions shared through the database
        self.renderer = Renderer(lambda state: callstate.encode(state, self.cipher))
        self.intake = Intake(self.engine, self.redis, self.breaker, self.cipher,
                             Path(settings.instance_dir) / "spool",
                             settings.config.retention.failed_jobs_days * 86400,
                             before_queueing=self.tracker.flush if self.tracker is not None else None)
        self.allowed_countries = frozenset(settings.config.callbacks.allowed_countries)
        self.menu_steps = StepCache()

    def close(self) -> None:
        """Stop this process's background threads and close its connections (tests, commands, shutdown)."""
        self.store.stop()
        self.closures.stop()
        self.intake.stop()  # queues what is waiting, after the tracker's nodes
        if self.tracker is not None:
            self.tracker.stop()
        if self.redis is not None:
            self.redis.close()
        self.engine.dispose()

    def init_app(self, app: Flask) -> None:
        """Register with a Flask app; a served app watches flows and config for published changes."""
        app.extensions["ivr"] = self
        if not app.testing and os.environ.get("IVR_FLOWS_WATCH", "2") != "0":
            self.store.watch(float(os.environ.get("IVR_FLOWS_WATCH", "2")))

    def _config_changed(self, config) -> None:
        """A newly published config brings new office hours."""
        self.schedules = build_schedules(config)

    # --- context for the engine --------------------------------------------------------------

    def context(self, form: Mapping[str, str], now: datetime, touched: list[bool] | None = None) -> Context:
        """Build the engine's view of the world; reads happen only when a desk needs them.

        `touched[0]` becomes True when the step asked anything of the world but the closures (office hours, the
        caller's number, the database): its answer must not be reused for another call. `touched[1]` becomes True
        when it read the closures (the announcement): its answer holds until they change.
        """
        caller = form.get("From")
        snapshot = None
        flag = touched if touched is not None else [False, False]

        def snap():
            nonlocal snapshot
            flag[1] = True
            if snapshot is None:
                snapshot = self.closures.get(now)
            return snapshot

        known: dict[str, CallbackFacts] = {}

        def facts(phone: str) -> CallbackFacts:  # one query per number and step, however often the engine asks
            if phone not in known:
                known[phone] = self.callback_facts(phone, now)
            return known[phone]

        def asked(func):
            def wrapper(*args):
                flag[0] = True
                return func(*args)
            return wrapper

        return Context(
            now=now,
            caller=None if is_anonymous(caller) else caller,
            desk_status=asked(lambda desk: desk_status(self.schedules, snap(), desk, now)),
            check_number=asked(lambda raw: check_number(raw, self.allowed_countries)),
            has_open_callback=asked(lambda desk, phone: facts(phone).open_at(desk)),
            callbacks_today=asked(lambda phone: facts(phone).today),
            announcement=lambda: snap().announcement,
            overflow_number=asked(lambda: overflow_number(self.schedules, snap(), now)),
        )

    def callback_facts(self, phone: str, now: datetime) -> CallbackFacts:
        """This number's open callback desks and its tasks of the last 24 hours, in one query (unknown on error)."""
        try:
            with self.engine.connect() as conn:
                found = callbacks.of_number(conn, phone, now)
        except SQLAlchemyError:
            return CallbackFacts(None, None)
        return CallbackFacts(found.open_desks, found.today)

    def has_open_callback(self, desk: str, phone: str) -> bool | None:
        """True when this number has an open callback at this desk; None when the database does not answer."""
        try:
            with self.engine.connect() as conn:
                return callbacks.has_open(conn, desk, phone)
        except SQLAlchemyError:
            return None

    def callbacks_today(self, phone: str, now: datetime) -> int | None:
        """Count callback tasks for this number in the last 24 hours; None when unknown."""
        return self.callback_facts(phone, now).today

    # --- the hot path's one Redis write -------------------------------------------------------

    def track(self, call_sid: str, step: Step, version: str, now: datetime, started: bool = False) -> None:
        """Note visited nodes, language and desk of a call; written to Redis by the tracker thread."""
        if self.tracker is None or not call_sid:
            return
        desk = next((e.desk for e in step.effects if isinstance(e, Reached)), None) or ""
        self.tracker.add(call_sid, step.lang or "", version, desk, now if started else None, step.visited,
                         step.first)


class StepCache:
    """Steps that depend only on the flow version, the state and the keys pressed (menu to menu), reused.

    A step that read the closures (the announcement) is kept with the closures' generation and the instant the
    entries in force change, and is not reused after either.
    """

    def __init__(self, size: int = STEP_CACHE_SIZE):
        self.size = size
        self._steps: OrderedDict[tuple, CachedStep] = OrderedDict()

    def get(self, key: tuple, closures: ClosureCache, now: datetime) -> CachedStep | None:
        """Return a remembered step that still holds at `now`."""
        cached = self._steps.get(key)
        if cached is None or cached.generation is None:
            return cached
        if cached.generation != closures.generation or (cached.until is not None and now >= cached.until):
            return None
        return cached

    def put(self, key: tuple, step: CachedStep) -> None:
        """Remember a step, its flow version and its TwiML, forgetting the oldest beyond the size."""
        self._steps[key] = step
        if len(self._steps) > self.size:
            self._steps.popitem(last=False)


class CallbackFacts(NamedTuple):
    """What a callback capture needs to know of a number (None: the database did not answer)."""

    open_desks: frozenset[str] | None
    today: int | None

    def open_at(self, desk: str) -> bool | None:
        """True when the number has an open callback at `desk`."""
        return None if self.open_desks is None else desk in self.open_desks


class CachedStep(NamedTuple):
    """A step as answered: its result, flow version and TwiML; for a step that read the closures, their
    generation and the instant they change; whether a replay of it must be refused (a step inside a desk or
    callback node, e.g. the callback promise, tells of what an earlier step did)."""

    step: Step
    version: str
    body: bytes
    generation: int | None = None
    until: datetime | None = None
    guarded: bool = False


def services() -> Services:
    """Return the Services of the current Flask app."""
    return current_app.extensions["ivr"]
