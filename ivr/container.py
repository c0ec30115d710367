"""The process container: the one composition root of web, CLI and workers, each part built on first use."""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Generic
from typing import TypeVar
from typing import overload
from zoneinfo import ZoneInfo

import redis
from sqlalchemy.engine import Engine

from ivr.core.errors import ProblemsError
from ivr.engine.hours import Schedule
from ivr.flowops.flowstore import FlowStore
from ivr.hotline.closures import ClosureCache
from ivr.hotline.officehours import build_schedules
from ivr.settings import FileConfig
from ivr.settings import Settings
from ivr.settings import load_config
from ivr.settings import load_settings
from ivr.store.breaker import Breaker
from ivr.store.breaker import connect
from ivr.store.cipher import Cipher
from ivr.store.db import make_engine

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
T = TypeVar("T")
BACKGROUND_REDIS_TIMEOUT = 5.0
"""Seconds a worker or command waits on Redis; they are not on a caller's clock (web: config web.redis_timeout)."""


def utc_now() -> datetime:
    """The process clock in UTC (never the database's or Redis's clock)."""
    return datetime.now(UTC)


class _Part(Generic[T]):
    """A part of the container, built on first use under the container's lock, then a plain attribute."""

    def __init__(self, build: Callable[[Container], T]):
        self.build = build
        self.__doc__ = build.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, container: None, owner: type) -> _Part[T]: ...

    @overload
    def __get__(self, container: Container, owner: type) -> T: ...

    def __get__(self, container: Container | None, owner: type) -> T | _Part[T]:
        if container is None:
            return self
        with container._lock:
            if self.name not in container.__dict__:  # another thread may have built it while we waited
                container.__dict__[self.name] = self.build(container)
        return container.__dict__[self.name]


class Container:
    """Settings, database engines, Redis with its breaker, flows, closures, office hours and the clock of one
    process. Nothing is built before it is used: a command that needs no flows loads none, one that needs no
    Redis opens no connection. `web`: short database and Redis timeouts (a caller is waiting)."""

    instances: weakref.WeakSet[Container] = weakref.WeakSet()
    """Every live container, so a test run can close what its tests opened."""

    def __init__(self, settings: Settings | None = None, clock: Clock = utc_now, *, web: bool = False):
        Container.instances.add(self)
        self._lock = threading.RLock()  # parts build parts (the flow store needs the engine)
        self._config_mtime: float | None = None
        if settings is not None:
            self.__dict__["settings"] = settings
            self._config_mtime = _mtime(settings.config_path)
        self.clock = clock
        self.web = web
        self._closers: list[Callable[[], None]] = []

    @_Part
    def settings(self) -> Settings:
        """The environment and config.yaml (ivr.settings.load_settings); a ProblemsError names what is wrong."""
        settings = load_settings()
        self._config_mtime = _mtime(settings.config_path)
        return settings

    @_Part
    def engine(self) -> Engine:
        """The database (commits wait for the disk)."""
        return make_engine(self.settings.database_url, web=self.web)

    @_Part
    def apply_engine(self) -> Engine:
        """Commits without waiting for the disk: only for applying stored events (see ivr.store.db.make_engine)."""
        return make_engine(self.settings.database_url, rederivable=True)

    @_Part
    def breaker(self) -> Breaker:
        """Remembers a recent Redis failure, so the hot path does not wait on a dead server again and again."""
        return Breaker()

    @_Part
    def redis(self) -> redis.Redis | None:
        """The Redis client (None when REDIS_URL is unset)."""
        if not self.settings.redis_url:
            return None
        timeout = self.settings.config.web.redis_timeout_seconds if self.web else BACKGROUND_REDIS_TIMEOUT
        return connect(self.settings.redis_url, timeout)

    @_Part
    def cipher(self) -> Cipher:
        """Encrypts call state and stored payloads that hold a phone number."""
        return Cipher(self.settings.secret_key)

    @_Part
    def store(self) -> FlowStore:
        """The flows this process serves (refuses invalid ones), shared with other processes through the database."""
        store = FlowStore(self.settings)
        store.listeners.append(self._flows_config)
        store.attach(self.engine, self.clock)
        return store

    @_Part
    def closures(self) -> ClosureCache:
        """Desk closures, announcements and overflow numbers in memory, read again when they change."""
        return ClosureCache(self.engine, self.redis)

    @_Part
    def schedules(self) -> dict[str, Schedule]:
        """Each desk's office hours (config.yaml's hours, holidays and closure days)."""
        return build_schedules(self.settings.config)

    @property
    def tz(self) -> ZoneInfo:
        """The hotline's configured timezone."""
        return ZoneInfo(self.settings.config.hotline.timezone)

    @property
    def spool_dir(self) -> Path:
        """Where events wait while the database is unreachable."""
        return Path(self.settings.instance_dir) / "spool"

    # --- config changes ---------------------------------------------------------------------------

    def _flows_config(self, config: FileConfig) -> None:
        """A flow version published with a new config brings new office hours (web processes)."""
        with self._lock:
            self.__dict__["schedules"] = build_schedules(config)

    def follow_config(self) -> Settings:
        """Read config.yaml again when it changed since the last look, and return the settings in force.

        Processes without a flow store (workers) follow operators' changes of hours and promises this way; a
        config that fails its checks is logged and the running one stays.
        """
        settings = self.settings
        mtime = _mtime(settings.config_path)
        if mtime == self._config_mtime:
            return settings
        self._config_mtime = mtime
        try:
            config = load_config(settings.config_path)
        except ProblemsError as exc:
            log.error("config change rejected, keeping the running one:\n%s", exc)
            return settings
        with self._lock:
            settings = self.__dict__["settings"] = settings.model_copy(update={"config": config})
            self.__dict__["schedules"] = build_schedules(config)
        log.info("config reloaded")
        return settings

    # --- the end ------------------------------------------------------------------------------------

    def on_close(self, closer: Callable[[], None]) -> None:
        """Run `closer` first when the container closes (a web process's intake queues what waits)."""
        self._closers.append(closer)

    def close(self) -> None:
        """Stop the background threads and close the connections of whatever was built (tests, commands, exit)."""
        for closer in self._closers:
            closer()
        self._closers.clear()
        built = self.__dict__
        if "store" in built:
            built["store"].stop()
        if "closures" in built:
            built["closures"].stop()
        if built.get("redis") is not None:
            built["redis"].close()
        for name in ("engine", "apply_engine"):
            if name in built:
                built[name].dispose()


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None
