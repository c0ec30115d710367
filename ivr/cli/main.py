"""The `ivr` root group: every command module adds itself to it (`from ivr.cli.main import main`)."""

from __future__ import annotations

from typing import Any

import click
import redis
import sqlalchemy as sa

from ivr.cli.context import Context
from ivr.cli.context import InputError
from ivr.cli.context import setting_error
from ivr.core.errors import ConfigError
from ivr.core.errors import FlowValidationError
from ivr.settings import check_database_url
from ivr.settings import locate

SERVICES = frozenset({"worker"})
"""Commands that run as a service beside the web processes: their secrets come from the environment only."""
_NO_TABLES = ("no such table", "does not exist")


def _first_line(exc: BaseException) -> str:
    """The driver's own message, first line only (SQLAlchemy adds the statement and a link below it)."""
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).strip().splitlines() or [type(inner).__name__])[0]


def _database_error(exc: sa.exc.DBAPIError) -> click.ClickException:
    """One line for a database the command cannot use: where DATABASE_URL points, and what the driver said."""
    try:
        where = sa.engine.make_url(locate().database_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        where = "?"
    message = _first_line(exc)
    hint = " (run `ivr db upgrade`)" if any(text in message for text in _NO_TABLES) else ""
    return click.ClickException(f"cannot use the database of DATABASE_URL ({where}): {message}{hint}")


class RootGroup(click.Group):
    """`ivr`: settings that fail to load anywhere below end as `Error:` lines naming the variable or file with
    exit code 2, an unreachable database or Redis and invalid flows (for the commands that load them) with exit
    code 1; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise setting_error(exc) from None
        except FlowValidationError as exc:
            raise click.ClickException(f"the flows have errors (`ivr flows check` lists them):\n{exc}") from None
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError):
            problems = check_database_url(locate().database_url)
            if not problems:
                raise
            raise InputError(problems[0].message) from None
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
            if isinstance(exc, sa.exc.ProgrammingError) and not any(t in _first_line(exc) for t in _NO_TABLES):
                raise
            raise _database_error(exc) from None
        except redis.exceptions.ConnectionError as exc:
            message = _first_line(exc).split(" : <", 1)[0]  # a Sentinel's error ends with its clients' repr
            raise click.ClickException(f"cannot reach Redis at REDIS_URL: {message}") from None


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Haus der Integration hotline: run, check and operate the IVR."""
    # built on first use: a command that needs no flows loads none; the services take no development secrets
    context = ctx.ensure_object(Context)
    context.dev_secrets = ctx.invoked_subcommand not in SERVICES
    ctx.call_on_close(context.close)
