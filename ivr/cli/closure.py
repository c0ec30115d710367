"""`ivr closure` and `ivr announcement`: close a desk or the house, and the emergency announcement, by the rules
the API follows (ivr.hotline.closures)."""

from __future__ import annotations

import click

from ivr.cli.context import InputError
from ivr.cli.context import pass_container
from ivr.cli.main import main
from ivr.container import Container
from ivr.hotline import closures

UNTIL_HELP = ('End, in the hotline\'s local time: "Mo 12:00", "Montag 12:00", "morgen 12:00", "02.12.2026 16:00", '
              '"02.12. 16:00", "16:00" (today, or tomorrow once past), "2026-12-24 12:00"; or ISO-8601 with offset.')


def _messages(pairs: tuple[str, ...]) -> dict[str, str]:
    """LANG=TEXT options as a mapping; the languages are checked with the rest of the entry."""
    out = {}
    for pair in pairs:
        lang, _, text = pair.partition("=")
        if not text:
            raise InputError(f"--message {pair!r}: use LANG=TEXT, e.g. de='Heute geschlossen.'")
        out[lang.strip()] = text
    return out


def _set(container: Container, desk: str, kind: str, until: str, reason: str,
         message: tuple[str, ...]) -> tuple[int, str]:
    """Check and store an entry, tell the web processes; return its id and its end in local time."""
    now = container.clock()
    settings = container.settings
    try:
        closures.check_desk(desk, settings.desks)
        entry = closures.entry(until, reason, _messages(message), settings.config.languages, now,
                               container.tz)
    except closures.ClosureError as exc:
        raise InputError(str(exc)) from None
    entry_id = closures.record(container.engine, desk, kind, entry, "cli", now)
    container.closures.changed()  # the web processes read it before the command returns
    return entry_id, f"{entry.until.astimezone(container.tz):%Y-%m-%d %H:%M %Z}"


def _end(container: Container, desk: str, kind: str, target: str) -> int:
    now = container.clock()
    ended = closures.end(container.engine, desk, kind, "cli", now, target)
    container.closures.changed()
    return ended


@main.group()
def closure() -> None:
    """Close a desk now, or reopen it."""


@closure.command("set")
@click.argument("desk")
@click.option("--until", "until", required=True, help=UNTIL_HELP)
@click.option("--reason", default="", help="Free text for staff.")
@click.option("--message", "-m", multiple=True, help="Announcement LANG=TEXT (repeat per language).")
@pass_container()
def closure_set(container: Container, desk: str, until: str, reason: str, message: tuple[str, ...]) -> None:
    """Close DESK (or '*' for the whole house) until a time."""
    entry_id, local = _set(container, desk, "closure", until, reason, message)
    click.echo(f"desk {desk} closed until {local} (closure {entry_id})")


@closure.command("end")
@click.argument("desk")
@pass_container()
def closure_end(container: Container, desk: str) -> None:
    """Reopen DESK."""
    click.echo(f"{_end(container, desk, 'closure', f'desk:{desk}')} closure(s) ended")


@main.command()
@click.option("--until", "until", help=UNTIL_HELP)
@click.option("--message", "-m", multiple=True, help="LANG=TEXT (repeat per language).")
@click.option("--end", "end", is_flag=True, help="Remove the announcement.")
@pass_container()
def announcement(container: Container, until: str | None, message: tuple[str, ...], end: bool) -> None:
    """Set or end the house-wide emergency announcement."""
    if end:
        _end(container, closures.HOUSE, "announcement", "house")
        click.echo("announcement ended")
        return
    if not until:
        raise click.UsageError("--until is required")
    entry_id, local = _set(container, closures.HOUSE, "announcement", until, "", message)
    click.echo(f"announcement {entry_id} live until {local}")
