"""The worker process's container (ivr.container): built once at start, shared by the relay and every job."""

from __future__ import annotations

from ivr.container import Container
from ivr.settings import Settings

_current: Container | None = None


def build(settings: Settings | None = None) -> Container:
    """Make a worker's container (background timeouts; settings from the environment unless given)."""
    return Container(settings)


def get() -> Container:
    """Return this process's container, with config.yaml read again when it changed.

    Operators publish new hours and promises without a restart; a config that fails its checks is logged and
    the running one stays.
    """
    global _current
    if _current is None:
        _current = build()
    _current.follow_config()
    return _current


def use(env: Container) -> Container:
    """Make `env` this process's container (the worker builds it once at start and shares it with its jobs)."""
    global _current
    _current = env
    return env


def reset() -> None:
    """Forget the container (a new worker process builds its own)."""
    global _current
    _current = None
