"""What jobs need, built once per worker process from the environment (no Flask app needed)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
from sqlalchemy.engine import Engine

from ivr.core.errors import ProblemsError
from ivr.engine.hours import Schedule
from ivr.hotline.officehours import build_schedules
from ivr.settings import Settings
from ivr.settings import load_config
from ivr.settings import load_settings
from ivr.store.breaker import connect
from ivr.store.cipher import Cipher
from ivr.store.db import make_engine

log = logging.getLogger(__name__)
WORKER_REDIS_TIMEOUT = 5.0
"""Seconds a job waits on Redis; workers are not on a caller's clock."""


@dataclass
class JobContext:
    """Settings and connections for jobs."""

    settings: Settings
    engine: Engine
    apply_engine: Engine
    """Commits without waiting for the disk: only for applying stored events (see ivr.store.db.make_engine)."""
    redis: redis.Redis | None
    schedules: dict[str, Schedule]
    cipher: Cipher
    tz: ZoneInfo
    spool_dir: Path

    def dispose(self) -> None:
        """Close the database connections (tests, and a worker that stops)."""
        self.engine.dispose()
        self.apply_engine.dispose()


def build(settings: Settings) -> JobContext:
    """Make a JobContext from Settings."""
    return JobContext(
        settings=settings,
        engine=make_engine(settings.database_url),
        apply_engine=make_engine(settings.database_url, rederivable=True),
        redis=connect(settings.redis_url, WORKER_REDIS_TIMEOUT) if settings.redis_url else None,
        schedules=build_schedules(settings.config),
        cipher=Cipher(settings.secret_key),
        tz=ZoneInfo(settings.config.hotline.timezone),
        spool_dir=Path(settings.instance_dir) / "spool",
    )


_current: JobContext | None = None
_config_mtime: float | None = None


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def get() -> JobContext:
    """Return this process's JobContext (from the environment), with config.yaml re-read when it changed.

    Operators publish new hours and promises without a restart; a config that fails its checks is logged and
    the running one stays.
    """
    global _current, _config_mtime
    if _current is None:
        _current = build(load_settings())
        _config_mtime = _mtime(_current.settings.config_path)
        return _current
    mtime = _mtime(_current.settings.config_path)
    if mtime != _config_mtime:
        _config_mtime = mtime
        try:
            config = load_config(_current.settings.config_path)
        except ProblemsError as exc:
            log.error("config change rejected, keeping the running one:\n%s", exc)
        else:
            _current.settings = _current.settings.model_copy(update={"config": config})
            _current.schedules = build_schedules(config)
            log.info("config reloaded")
    return _current


def use(env: JobContext) -> JobContext:
    """Make `env` this process's JobContext (the worker builds it once at start and shares it with its jobs)."""
    global _current, _config_mtime
    _current, _config_mtime = env, _mtime(env.settings.config_path)
    return env


def reset() -> None:
    """Forget the JobContext (a new worker process builds its own)."""
    global _current, _config_mtime
    _current, _config_mtime = None, None
