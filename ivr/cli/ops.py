"""Operator commands: desk closures, announcements, overflow number, closing callback tasks."""

from __future__ import annotations

import json
from datetime import datetime

import click


def _services():
    """Services for one command; the database pool is closed when the command ends."""
    from ivr.settings import load_settings
    from ivr.web.services import Services

    svc = Services(load_settings())
    click.get_current_context().call_on_close(svc.engine.dispose)
    return svc


def _until(text: str) -> datetime:
    try:
        until = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("use ISO-8601 with offset, e.g. 2026-12-24T12:00+01:00") from None
    if until.tzinfo is None:
        raise click.BadParameter("needs a UTC offset, e.g. 2026-12-24T12:00+01:00")
    return until


def _messages(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        lang, _, text = pair.partition("=")
        if not text:
            raise click.BadParameter(f"{pair!r}: use LANG=TEXT, e.g. de='Heute geschlossen.'")
        out[lang.strip()] = text.strip()
    return out


@click.group()
def closure() -> None:
    """Close a desk now, or reopen it."""


@closure.command("set")
@click.argument("desk")
@click.option("--until", "until", required=True, help="End, ISO-8601 with offset.")
@click.option("--reason", default="", help="Free text for staff.")
@click.option("--message", "-m", multiple=True, help="Announcement LANG=TEXT (repeat per language).")
def closure_set(desk: str, until: str, reason: str, message: tuple[str, ...]) -> None:
    """Close DESK (or '*' for the whole house) until a time."""
    from ivr.hotline import audit
    from ivr.hotline import closures
    svc = _services()
    if desk not in svc.settings.desks and desk != closures.HOUSE:
        raise click.BadParameter(f"unknown desk {desk!r}; desks: {', '.join(svc.settings.desks)}")
    now = svc.clock()
    entry = closures.set_closure(svc.engine, desk, "closure", _until(until), reason, _messages(message), "cli", now)
    audit.write(svc.engine, "cli", "closure.set", f"closure:{entry}", now, f"desk={desk}")
    svc.closures.changed()  # the web processes read it before the command returns
    click.echo(f"desk {desk} closed until {until} (closure {entry})")


@closure.command("end")
@click.argument("desk")
def closure_end(desk: str) -> None:
    """Reopen DESK."""
    from ivr.hotline import audit
    from ivr.hotline import closures
    svc = _services()
    now = svc.clock()
    ended = closures.end_closure(svc.engine, desk, "closure", now)
    audit.write(svc.engine, "cli", "closure.end", f"desk:{desk}", now)
    svc.closures.changed()
    click.echo(f"{ended} closure(s) ended")


@click.command()
@click.option("--until", "until", help="End, ISO-8601 with offset.")
@click.option("--message", "-m", multiple=True, help="LANG=TEXT (repeat per language).")
@click.option("--end", "end", is_flag=True, help="Remove the announcement.")
def announcement(until: str | None, message: tuple[str, ...], end: bool) -> None:
    """Set or end the house-wide emergency announcement."""
    from ivr.hotline import audit
    from ivr.hotline import closures
    svc = _services()
    now = svc.clock()
    if end:
        closures.end_closure(svc.engine, closures.HOUSE, "announcement", now)
        audit.write(svc.engine, "cli", "announcement.end", "house", now)
        svc.closures.changed()
        click.echo("announcement ended")
        return
    if not until:
        raise click.UsageError("--until is required")
    entry = closures.set_closure(svc.engine, closures.HOUSE, "announcement", _until(until), "", _messages(message),
                                 "cli", now)
    audit.write(svc.engine, "cli", "announcement.set", f"announcement:{entry}", now)
    svc.closures.changed()
    click.echo(f"announcement {entry} live until {until}")


@click.group()
def callbacks() -> None:
    """Callback tasks."""


@callbacks.command("close")
@click.argument("task_id", type=int)
@click.option("--outcome", default="resolved", show_default=True)
def callbacks_close(task_id: int, outcome: str) -> None:
    """Close callback task TASK_ID."""
    from ivr.hotline import audit
    from ivr.hotline.callbacks import CLOSE_OUTCOMES
    from ivr.hotline.callbacks import close

    if outcome not in CLOSE_OUTCOMES:
        raise click.BadParameter(f"outcome must be one of {', '.join(sorted(CLOSE_OUTCOMES))}")
    svc = _services()
    now = svc.clock()
    with svc.engine.begin() as conn:
        if not close(conn, task_id, outcome, now, actor="cli"):
            raise click.ClickException(f"no callback task {task_id}")
        audit.write(conn, "cli", "callback.close", f"callback:{task_id}", now, outcome)
    click.echo(f"callback {task_id} closed ({outcome})")


@callbacks.command("list")
@click.option("--desk")
@click.option("--status", default="open", show_default=True)
def callbacks_list(desk: str | None, status: str) -> None:
    """List callback tasks as JSON lines (numbers masked)."""
    from ivr.engine.phones import mask
    from ivr.hotline.callbacks import as_json
    from ivr.hotline.callbacks import listing

    svc = _services()
    with svc.engine.connect() as conn:
        for row in listing(conn, desk, status):
            data = as_json(row)
            data["phone"] = mask(data["phone"])
            click.echo(json.dumps(data))


COMMANDS = [closure, announcement, callbacks]
"""Commands this module adds to `ivr`."""
