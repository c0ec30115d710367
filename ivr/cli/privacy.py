"""`ivr privacy`: data protection requests."""

from __future__ import annotations

import click

from ivr.cli.context import pass_container
from ivr.cli.main import main
from ivr.container import Container


@main.group()
def privacy() -> None:
    """Data protection requests."""


@privacy.command("erase")
@click.argument("number")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def privacy_erase(number: str, yes: bool) -> None:
    """Erase every record of one phone number (tasks, voice messages, call records, pending events)."""
    if not yes:
        click.confirm("Erase every record of this number? This cannot be undone", abort=True)
    _erase(number)


@pass_container()
def _erase(container: Container, number: str) -> None:
    from ivr.hotline.privacy import erase

    try:
        report = erase(container.engine, container.settings, number, "cli:privacy", container.clock())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for key, value in report.items():
        click.echo(f"{key}: {value}")
