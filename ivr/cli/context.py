"""What every command shares: the process container, built once on first use, and the one way settings fail."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import redis

from ivr.container import Container
from ivr.core.errors import ConfigError
from ivr.settings import load_settings
from ivr.settings import locate

DEV_SECRETS = "dev-secrets.json"
"""The file in the instance folder where `ivr dev` keeps the development secrets it generated."""
DEV_SECRET_NAMES = ("TWILIO_AUTH_TOKEN", "SECRET_KEY", "IVR_API_TOKEN")
"""The variables `ivr dev` generates (the first two are required by every command that uses secrets)."""
REQUIRED_SECRETS = {
    "TWILIO_AUTH_TOKEN": "the auth token of the Twilio account",
    "SECRET_KEY": "a long random string that signs staff sessions and encrypts call state",
}
"""The secrets a command may need, with what to set them to."""


class InputError(click.ClickException):
    """A setting or an argument that breaks a rule: one `Error:` line saying what to give, exit code 2 (no usage
    text, unlike click's BadParameter)."""

    exit_code = 2


def dev_secrets_path(environ: Mapping[str, str]) -> Path:
    """Where `ivr dev` keeps its development secrets: the instance folder (IVR_INSTANCE_DIR or instance/)."""
    return Path(locate(environ).instance_dir) / DEV_SECRETS


def with_dev_secrets(environ: Mapping[str, str]) -> tuple[dict[str, str], Path | None]:
    """The environment, its missing secrets filled from the development secrets `ivr dev` wrote, and that file
    when it was used (None: the environment has the required secrets, or there is no such file)."""
    env = dict(environ)
    if all(env.get(name) for name in REQUIRED_SECRETS):
        return env, None
    path = dev_secrets_path(env)
    try:
        stored = json.loads(path.read_text())
    except FileNotFoundError:
        return env, None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the development secrets {path}: {getattr(exc, 'strerror', None) or exc} "
                         "(delete the file and start ./dev run once to write it again)") from None
    filled = {name: stored[name] for name in DEV_SECRET_NAMES
              if not env.get(name) and isinstance(stored, dict) and isinstance(stored.get(name), str)
              and stored[name]}
    env.update(filled)
    return env, path if filled else None


def setting_error(exc: ConfigError, environ: Mapping[str, str] | None = None, *, dev_secrets: bool = True
                  ) -> InputError:
    """The click error for settings that failed to load: one line for each problem, naming the variable (and
    what to set it to) or the file and line; `dev_secrets`: the command would take `ivr dev`'s secrets."""
    env = os.environ if environ is None else environ
    lines = []
    for problem in exc.problems:
        if problem.file != "environment":
            lines.append(str(problem))
        elif problem.message.endswith(" is required but not set") and problem.message.split()[0] in REQUIRED_SECRETS:
            name = problem.message.split()[0]
            where = (f"./dev run writes development secrets into {dev_secrets_path(env)}" if dev_secrets
                     else "a service takes it from the environment only")
            lines.append(f"{name} is not set ({REQUIRED_SECRETS[name]}; {where})")
        else:
            lines.append(problem.message)
    return InputError("\n".join(lines) or "invalid settings")


class Context:
    """The root group's object: a container built on the first command that asks for one, closed at the end.

    `dev_secrets`: a secret missing from the environment is taken from the development secrets `ivr dev` wrote
    (instance/dev-secrets.json), with a note on stderr; False for the services (`ivr worker`), which must get
    theirs from the environment like the web processes."""

    def __init__(self, *, dev_secrets: bool = True) -> None:
        self._container: Container | None = None
        self.dev_secrets = dev_secrets

    def container(self, *, secrets: bool = True) -> Container:
        """The process container; `secrets=False` for commands that use neither Twilio's token nor SECRET_KEY."""
        if self._container is None:
            env, used = with_dev_secrets(os.environ) if secrets and self.dev_secrets else (dict(os.environ), None)
            try:
                settings = load_settings(env, secrets=secrets)
            except ConfigError as exc:
                raise setting_error(exc, env, dev_secrets=self.dev_secrets) from None
            if used is not None:
                click.echo(f"using development secrets from {used}", err=True)
            self._container = Container(settings)
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
