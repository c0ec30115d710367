"""`ivr retention`: apply the retention rules of personal data now."""

from __future__ import annotations

import json

import click

from ivr.cli.context import pass_container
from ivr.cli.main import main
from ivr.container import Container


@main.group()
def retention() -> None:
    """Retention of personal data (the worker runs it every 15 minutes)."""


@retention.command("run")
@pass_container()
def retention_run(container: Container) -> None:
    """Apply every retention rule now and print what changed."""
    from ivr.hotline.privacy import apply_retention

    click.echo(json.dumps(apply_retention(container.engine, container.settings, container.clock()), indent=2))
