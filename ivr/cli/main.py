"""The `ivr` command line: one entry point for every operator and server task."""

from __future__ import annotations

import os
import threading

import click

from ivr.core.errors import ProblemsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Haus der Integration hotline: run, check and operate the IVR."""


def _settings():
    from ivr.settings import load_settings

    try:
        return load_settings()
    except ProblemsError as exc:
        raise click.ClickException("invalid configuration:\n" + str(exc)) from None


@main.group()
def db() -> None:
    """Database tasks."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (safe to run again)."""
    from pathlib import Path

    from ivr.settings import ROOT
    from ivr.store import db as database

    # no secrets needed to migrate: only the database URL (or the embedded default)
    instance = Path(os.environ.get("IVR_INSTANCE_DIR") or ROOT / "instance")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'ivr.sqlite3'}"
    database.upgrade(url)
    click.echo("database is up to date")


@main.command()
@click.option("--burst", is_flag=True, help="Process what is queued, then exit (for tests and cron).")
def worker(burst: bool) -> None:
    """Run the RQ worker on the hotline's queues, with the outbox relay beside it."""
    from ivr import logs
    from workers import context
    from workers import relay
    from workers import runner

    logs.install()
    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set")
    env = context.use(context.build(settings))  # one context for the relay and every job of this process
    stop = threading.Event()
    if burst:
        relay.relay_once(env)
    else:
        threading.Thread(target=relay.run_forever, args=(env, stop), name="outbox-relay", daemon=True).start()
    try:
        runner.work(env.redis, burst=burst)  # restarts RQ's worker after a Redis outage (issue 4)
    finally:
        stop.set()


def _register() -> None:
    from ivr.cli import dev as devserver
    from ivr.cli import flows as cli_flows
    from ivr.cli import ops as cli_ops
    main.add_command(devserver.dev)
    from ivr.cli.users import users_group  # issue 5

    main.add_command(users_group)
    for command in cli_ops.COMMANDS + cli_flows.COMMANDS:
        main.add_command(command)
    from ivr.flowops.fallback_export import fallback  # issue 7

    main.add_command(fallback)
    from ivr.cli.privacy import COMMANDS as privacy_commands  # issue 4

    for command in privacy_commands:
        main.add_command(command)


_register()
