"""What every command shares: the process container, built once on first use, and the one way settings fail."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import click
import redis

from ivr.container import Container
from ivr.core.errors import ConfigError
from ivr.settings import load_settings


class InputError(click.ClickException):
    """A setting or an argument that breaks a rule: one `Error:` line saying what to give, exit code 2 (no usage
    text, unlike click's BadParameter)."""

    exit_code = 2


_MISSING = re.compile(r"(\w+) is required but not set")


def setting_error(exc: ConfigError) -> InputError:
    """The click error for settings that failed to load: missing variables named in one line with what to do,
    then any other problem on a line of its own (file:line: message)."""
    missing = [m.group(1) for p in exc.problems if p.file == "environment" and (m := _MISSING.fullmatch(p.message))]
    lines = [str(p) for p in exc.problems if not (p.file == "environment" and _MISSING.fullmatch(p.message))]
    if missing:
        names = " and ".join(missing)
        lines.insert(0, f"{names} {'is' if len(missing) == 1 else 'are'} required but not set: set "
                        f"{'it' if len(missing) == 1 else 'them'} in the environment")
    return InputError("\n".join(lines) or "invalid settings")


class Context:
    """The root group's object: a container built on the first command that asks for one, closed at the end."""

    def __init__(self) -> None:
        self._container: Container | None = None

    def container(self, *, secrets: bool = True) -> Container:
        """The process container; `secrets=False` for commands that use neither Twilio's token nor SECRET_KEY."""
        if self._container is None:
            try:
                self._container = Container(load_settings(secrets=secrets))
            except ConfigError as exc:
                raise setting_error(exc) from None
        return self._container

    def close(self) -> None:
        """Close whatever the command opened (database pool, Redis, background threads)."""
        if self._container is not None:
            self._container.close()
            self._container = None


def pass_container(secrets: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: the command gets the process container as its first argument."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            context = click.get_current_context().find_object(Context)
            if context is None:  # a command invoked on its own, outside `ivr`
                context = click.get_current_context().ensure_object(Context)
                click.get_current_context().call_on_close(context.close)
            return command(context.container(secrets=secrets), *args, **kwargs)

        return wrapper

    return decorate


def require_redis(container: Container) -> redis.Redis:
    """The Redis client, or InputError when REDIS_URL is not set."""
    if container.redis is None:
        raise InputError("REDIS_URL is not set: set it to the Redis the web processes and the worker use "
                         "(redis://host:6379/0)")
    return container.redis
