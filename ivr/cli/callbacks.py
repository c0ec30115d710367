"""`ivr callbacks`: list and close callback tasks."""

from __future__ import annotations

import json

import click

from ivr.cli.context import pass_container
from ivr.cli.main import main
from ivr.container import Container
from ivr.hotline import audit
from ivr.hotline import callbacks


@main.group("callbacks")
def callbacks_group() -> None:
    """Callback tasks."""


@callbacks_group.command("close")
@click.argument("task_id", type=int)
@click.option("--outcome", default="resolved", show_default=True,
              type=click.Choice(sorted(callbacks.CLOSE_OUTCOMES)))
@pass_container()
def callbacks_close(container: Container, task_id: int, outcome: str) -> None:
    """Close callback task TASK_ID."""
    now = container.clock()
    with container.engine.begin() as conn:
        if not callbacks.close(conn, task_id, outcome, now, actor="cli"):
            raise click.ClickException(f"no callback task {task_id}")
        audit.write(conn, "cli", "callback.close", f"callback:{task_id}", now, outcome)
    click.echo(f"callback {task_id} closed ({outcome})")


@callbacks_group.command("list")
@click.option("--desk")
@click.option("--status", default="open", show_default=True)
@pass_container()
def callbacks_list(container: Container, desk: str | None, status: str) -> None:
    """List callback tasks as JSON lines (numbers masked)."""
    from ivr.engine.phones import mask

    with container.engine.connect() as conn:
        for row in callbacks.listing(conn, desk, status):
            data = callbacks.as_json(row)
            data["phone"] = mask(data["phone"])
            click.echo(json.dumps(data))
