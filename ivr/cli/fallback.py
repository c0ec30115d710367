"""`ivr fallback export DIR`: the fallback answer as static files, to host where this service is not."""

from __future__ import annotations

from pathlib import Path

import click

from ivr.cli.context import pass_container
from ivr.cli.main import main
from ivr.container import Container


@main.group()
def fallback() -> None:
    """The static fallback answer for when the whole service is down."""


@fallback.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@pass_container()
def fallback_export(container: Container, directory: Path) -> None:
    """Write fallback.xml (TwiML), its audio and a README into DIRECTORY, ready for a TwiML Bin."""
    from ivr.flowops import fallback_export as files
    from ivr.flowops.flowstore import FlowStore

    settings = container.settings
    desk_id = settings.config.hotline.fallback_desk
    desk = settings.desks[desk_id]
    version = FlowStore(settings).current.version  # the files' flows, without the database's published version
    for path in files.export(directory, Path(settings.audio_dir), desk.number, desk.name.get("de", desk_id), version):
        click.echo(str(path))
