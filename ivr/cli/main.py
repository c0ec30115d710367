"""The `ivr` root group: every command module adds itself to it (`from ivr.cli.main import main`)."""

from __future__ import annotations

from typing import Any

import click

from ivr.cli.context import Context
from ivr.cli.context import setting_error
from ivr.core.errors import ConfigError
from ivr.core.errors import FlowValidationError


class RootGroup(click.Group):
    """`ivr`: settings that fail to load anywhere below end as `Error:` lines with exit code 2, invalid flows
    (for the commands that load them) with exit code 1; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise setting_error(exc) from None
        except FlowValidationError as exc:
            raise click.ClickException(f"the flows have errors (`ivr flows check` lists them):\n{exc}") from None


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Haus der Integration hotline: run, check and operate the IVR."""
    context = ctx.ensure_object(Context)  # built on first use: a command that needs no flows loads none
    ctx.call_on_close(context.close)
