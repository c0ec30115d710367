"""Commands of reliability and data protection: dead letters, erase on request, API clients, retention."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime

import click

from ivr.cli.jobs import jobs


def _env():
    from ivr.cli.main import _settings
    from ivr.store.db import make_engine

    settings = _settings()
    return settings, make_engine(settings.database_url)


@click.group("privacy")
def privacy() -> None:
    """Data protection requests."""


@privacy.command("erase")
@click.argument("number")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def privacy_erase(number: str, yes: bool) -> None:
    """Erase every record of one phone number (tasks, voice messages, call records, pending events)."""
    from ivr.hotline.privacy import erase
    if not yes:
        click.confirm("Erase every record of this number? This cannot be undone", abort=True)
    settings, engine = _env()
    try:
        report = erase(engine, settings, number, "cli:privacy", datetime.now(UTC))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    for key, value in report.items():
        click.echo(f"{key}: {value}")


@click.group("api-clients")
def api_clients() -> None:
    """Named API clients with their own tokens and scopes (IVR_API_TOKEN stays the bootstrap admin)."""


@api_clients.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True,
              help="callbacks:read, callbacks:write, calls:read, desks:read, closures:write or admin; repeatable.")
def api_clients_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a client and print its token once (it is stored only as a hash)."""
    from ivr.hotline import apiclients
    from ivr.hotline import audit
    _, engine = _env()
    now = datetime.now(UTC)
    try:
        client_id, token = apiclients.create(engine, name, list(scopes), now)
        audit.write(engine, "cli:api-clients", "api_client.create", f"api_client:{client_id}", now, " ".join(scopes))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"api client {client_id} ({name}) created; its token, shown only now:")
    click.echo(token)


@api_clients.command("list")
def api_clients_list() -> None:
    """List clients with scopes and state (never tokens)."""
    from ivr.hotline import apiclients
    _, engine = _env()
    for row in apiclients.listing(engine):
        state = "revoked" if row["revoked_at"] else "active"
        used = row["last_used_at"].isoformat(timespec="seconds") if row["last_used_at"] else "never"
        click.echo(f"{row['id']}\t{row['name']}\t{state}\t{row['scopes']}\tlast used {used}")
    engine.dispose()


@api_clients.command("revoke")
@click.argument("name")
def api_clients_revoke(name: str) -> None:
    """Revoke a client's token at once."""
    from ivr.hotline import apiclients
    from ivr.hotline import audit
    _, engine = _env()
    now = datetime.now(UTC)
    client_id = apiclients.revoke(engine, name, now)
    if client_id is None:
        engine.dispose()
        raise click.ClickException(f"no active API client named {name!r}")
    audit.write(engine, "cli:api-clients", "api_client.revoke", f"api_client:{client_id}", now)
    engine.dispose()
    click.echo(f"api client {client_id} ({name}) revoked")


@click.group("retention")
def retention() -> None:
    """Retention of personal data (the worker runs it every 15 minutes)."""


@retention.command("run")
def retention_run() -> None:
    """Apply every retention rule now and print what changed."""
    from ivr.hotline.privacy import apply_retention
    settings, engine = _env()
    report = apply_retention(engine, settings, datetime.now(UTC))
    engine.dispose()
    click.echo(json.dumps(report, indent=2))


COMMANDS = [jobs, privacy, api_clients, retention]
"""Registered on `ivr` by ivr.cli.main."""
