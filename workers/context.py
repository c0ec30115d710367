"""What jobs need, built once per worker process from the environment (no Flask app needed)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
from sqlalchemy.engine import Engine

from ivr.broker import connect
from ivr.cipher import Cipher
from ivr.db import make_engine
from ivr.engine.hours import Schedule
from ivr.officehours import build_schedules
from ivr.settings import Settings
from ivr.settings import load_settings

WORKER_REDIS_TIMEOUT = 5.0
"""Seconds a job waits on Redis; workers are not on a caller's clock."""


@dataclass
class JobContext:
    """Settings and connections for jobs."""

    settings: Settings
    engine: Engine
    redis: redis.Redis | None
    schedules: dict[str, Schedule]
    cipher: Cipher
    tz: ZoneInfo
    spool_dir: Path


def build(settings: Settings) -> JobContext:
    """Make a JobContext from Settings."""
    return JobContext(
        settings=settings,
        engine=make_engine(settings.database_url),
        redis=connect(settings.redis_url, WORKER_REDIS_TIMEOUT) if settings.redis_url else None,
        schedules=build_schedules(settings.config),
        cipher=Cipher(settings.secret_key),
        tz=ZoneInfo(settings.config.hotline.timezone),
        spool_dir=Path(settings.instance_dir) / "spool",
    )


@lru_cache(maxsize=1)
def get() -> JobContext:
    """Return this process's JobContext (from the environment)."""
    return build(load_settings())
