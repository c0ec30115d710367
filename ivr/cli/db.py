"""`ivr db`: database tasks."""

from __future__ import annotations

import click

from ivr.cli.main import main


@main.group()
def db() -> None:
    """Database tasks."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (safe to run again)."""
    from ivr.settings import locate
    from ivr.store import db as database

    database.upgrade(locate().database_url)  # only the database URL: no config, no secrets needed to migrate
    click.echo("database is up to date")
