"""`ivr api-clients`: named API clients with their own tokens and scopes."""

from __future__ import annotations

import click

from ivr.cli.context import pass_container
from ivr.cli.main import main
from ivr.container import Container


@main.group("api-clients")
def api_clients() -> None:
    """Named API clients with their own tokens and scopes (IVR_API_TOKEN stays the bootstrap admin)."""


@api_clients.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True,
              help="callbacks:read, callbacks:write, calls:read, desks:read, closures:write, agents:write or admin; "
                   "repeatable.")
@pass_container()
def api_clients_create(container: Container, name: str, scopes: tuple[str, ...]) -> None:
    """Create a client and print its token once (it is stored only as a hash)."""
    from ivr.hotline import apiclients
    from ivr.hotline import audit

    now = container.clock()
    try:
        client_id, token = apiclients.create(container.engine, name, list(scopes), now)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    audit.write(container.engine, "cli:api-clients", "api_client.create", f"api_client:{client_id}", now,
                " ".join(scopes))
    click.echo(f"api client {client_id} ({name}) created; its token, shown only now:")
    click.echo(token)


@api_clients.command("list")
@pass_container()
def api_clients_list(container: Container) -> None:
    """List clients with scopes and state (never tokens)."""
    from ivr.hotline import apiclients

    for row in apiclients.listing(container.engine):
        state = "revoked" if row["revoked_at"] else "active"
        used = row["last_used_at"].isoformat(timespec="seconds") if row["last_used_at"] else "never"
        click.echo(f"{row['id']}\t{row['name']}\t{state}\t{row['scopes']}\tlast used {used}")


@api_clients.command("revoke")
@click.argument("name")
@pass_container()
def api_clients_revoke(container: Container, name: str) -> None:
    """Revoke a client's token at once."""
    from ivr.hotline import apiclients
    from ivr.hotline import audit

    now = container.clock()
    client_id = apiclients.revoke(container.engine, name, now)
    if client_id is None:
        raise click.ClickException(f"no active API client named {name!r}")
    audit.write(container.engine, "cli:api-clients", "api_client.revoke", f"api_client:{client_id}", now)
    click.echo(f"api client {client_id} ({name}) revoked")
