"""Admin commands for staff accounts: `ivr users create|reset-password|add-desk|remove-desk|set|list`."""

from __future__ import annotations

import click

from ivr.cli.context import InputError
from ivr.cli.context import pass_container
from ivr.cli.main import main
from ivr.container import Container
from ivr.core.roles import DEFAULT_ROLE
from ivr.core.roles import ROLES


def _refuse(exc: Exception) -> click.ClickException:
    """The click error for a broken rule (ivr.hotline.accounts): an unknown desk is a bad argument (exit 2)."""
    if getattr(exc, "key", "") == "unknown_desk":
        return InputError(str(exc))
    return click.ClickException(str(exc))


@main.group("users")
def users_group() -> None:
    """Staff accounts, roles and desk memberships."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default=DEFAULT_ROLE)
@click.option("--name", "display_name", default="", help="Name shown in pages and task history.")
@click.option("--desk", "desks", multiple=True, help="Desk id (repeat); supervisors: the desks they oversee.")
@click.option("--phone", default=None, help="The person's own phone (E.164) for click-to-call.")
@click.option("--languages", default="de", help="Languages the person speaks, comma-separated (de,en,ar).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@pass_container()
def users_create(
    container: Container,
    username: str,
    role: str,
    display_name: str,
    desks: tuple[str, ...],
    phone: str | None,
    languages: str,
    password: str,
) -> None:
    """Create USERNAME with a role, desks and a password."""
    from ivr.hotline import accounts
    from ivr.hotline import audit
    from ivr.hotline import users
    now = container.clock()
    try:
        with container.engine.begin() as conn:
            user_id = accounts.create(
                conn,
                container.settings,
                username,
                password,
                role,
                now,
                display_name=display_name,
                desks=desks,
                phone=phone,
                languages=languages,
            )
            audit.write(
                conn, "cli", "user.create", f"user:{user_id}", now, f"role={role} desks={','.join(desks)}"
            )
    except users.UserError as exc:
        raise _refuse(exc) from None
    click.echo(f"created {username} ({role})")


@users_group.command("reset-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@pass_container()
def users_reset_password(container: Container, username: str, password: str) -> None:
    """Set a new password for USERNAME."""
    from ivr.hotline import audit
    from ivr.hotline import users
    now = container.clock()
    try:
        with container.engine.begin() as conn:
            users.set_password(conn, username, password, now)
            audit.write(conn, "cli", "user.reset_password", f"user:{username}", now)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password of {username} changed")


@users_group.command("add-desk")
@click.argument("username")
@click.argument("desk")
@pass_container()
def users_add_desk(container: Container, username: str, desk: str) -> None:
    """Add USERNAME to DESK (staff work it, supervisors oversee it)."""
    _membership(container, username, desk, add=True)


@users_group.command("remove-desk")
@click.argument("username")
@click.argument("desk")
@pass_container()
def users_remove_desk(container: Container, username: str, desk: str) -> None:
    """Remove USERNAME from DESK."""
    _membership(container, username, desk, add=False)


def _membership(container: Container, username: str, desk: str, add: bool) -> None:
    from ivr.hotline import accounts
    from ivr.hotline import audit
    from ivr.hotline import users
    now = container.clock()
    try:
        with container.engine.begin() as conn:
            change = accounts.add_desk if add else accounts.remove_desk
            changed = change(conn, container.settings, username, desk)
            action = "user.add_desk" if add else "user.remove_desk"
            audit.write(conn, "cli", action, f"user:{username}", now, desk)
    except users.UserError as exc:
        raise _refuse(exc) from None
    verb = "added to" if add else "removed from"
    click.echo(f"{username} {verb} {desk}" + ("" if changed else " (no change)"))


@users_group.command("set")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--name", "display_name")
@click.option("--phone")
@click.option("--languages")
@click.option("--ui-lang", type=click.Choice(["de", "en"]), help="Interface language after login.")
@click.option("--active/--inactive", default=None)
@pass_container()
def users_set(
    container: Container,
    username: str,
    role: str | None,
    display_name: str | None,
    phone: str | None,
    languages: str | None,
    ui_lang: str | None,
    active: bool | None,
) -> None:
    """Change a user's role, name, phone, languages, interface language or active flag."""
    from ivr.hotline import accounts
    from ivr.hotline import audit
    from ivr.hotline import users
    values: dict[str, object] = {
        k: v
        for k, v in (
            ("role", role),
            ("display_name", display_name),
            ("phone", phone or None),
            ("ui_lang", ui_lang),
            ("active", active),
        )
        if v is not None
    }
    if languages is not None:
        values["languages"] = languages
    now = container.clock()
    try:
        with container.engine.begin() as conn:
            accounts.update(conn, container.settings, username, now, **values)
            audit.write(conn, "cli", "user.update", f"user:{username}", now, ",".join(sorted(values)))
    except users.UserError as exc:
        raise _refuse(exc) from None
    click.echo(f"{username} updated")


@users_group.command("list")
@pass_container()
def users_list(container: Container) -> None:
    """List active users with role, desks and languages (no passwords, no phone numbers)."""
    from ivr.hotline import users
    with container.engine.connect() as conn:
        for user in users.listing(conn):
            fields = [
                user.username,
                user.role,
                ",".join(user.desks) or "-",
                ",".join(user.languages),
                "phone" if user.phone else "no phone",
            ]
            click.echo("\t".join(fields))

