"""The `ivr` command line: one entry point for every operator and server task."""

from __future__ import annotations

import logging
import os
import sys
import threading

import click

from ivr.errors import ProblemsError


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
    from ivr import db as database
    from ivr.settings import DEFAULT_CONFIG  # noqa: F401  (settings are not needed beyond the URL)

    url = os.environ.get("DATABASE_URL") or _settings().database_url
    database.upgrade(url)
    click.echo("database is up to date")


@main.command()
@click.option("--burst", is_flag=True, help="Process what is queued, then exit (for tests and cron).")
def worker(burst: bool) -> None:
    """Run the RQ worker on the hotline's queues, with the outbox relay beside it."""
    from rq import Queue
    from rq import Worker

    from ivr import logs
    from ivr.queue import QUEUE_NAMES
    from workers import context
    from workers import relay

    logs.install()
    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set")
    env = context.build(settings)
    context.get.cache_clear()
    stop = threading.Event()
    if burst:
        relay.relay_once(env)
    else:
        threading.Thread(target=relay.run_forever, args=(env, stop), name="outbox-relay", daemon=True).start()
    queues = [Queue(name, connection=env.redis) for name in QUEUE_NAMES]
    try:
        Worker(queues, connection=env.redis).work(burst=burst, with_scheduler=True,
                                                  logging_level=logging.INFO)
    finally:
        stop.set()


@main.group()
def flows() -> None:
    """Check and inspect menu flows."""


@flows.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings (placeholder audio, drafts) as errors.")
def flows_check(files: tuple[str, ...], strict: bool) -> None:
    """Validate flows and config; print every problem as file:line: message."""
    from pathlib import Path

    from ivr.engine.loader import compile_bundle
    from ivr.engine.loader import read_files
    from ivr.settings import ROOT
    from ivr.settings import load_config

    config_path = os.environ.get("IVR_CONFIG") or str(ROOT / "config.yaml")
    try:
        config = load_config(config_path)
    except ProblemsError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        sys.exit(1)
    flows_dir = os.environ.get("IVR_FLOWS_DIR") or str(ROOT / "flows")
    sources = read_files(flows_dir, list(files) or None)
    if files:  # a single file is checked together with the rest of the set it belongs to
        named = {Path(f).resolve() for f in files}
        sources += [s for s in read_files(flows_dir) if Path(s[0]).resolve() not in named]
    bundle, problems = compile_bundle(sources, config, ROOT / "ivr" / "static" / "audio")
    errors = [p for p in problems if p.severity == "error" or strict]
    for problem in problems:
        click.echo(str(problem))
    if errors:
        click.echo(f"{len(errors)} error(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: flows version {bundle.version if bundle else '-'}, {len(problems)} warning(s)")


def _register() -> None:
    from ivr import cli_ops
    from ivr import devserver

    main.add_command(devserver.dev)
    from ivr.cli_users import users_group  # issue 5

    main.add_command(users_group)
    for command in cli_ops.COMMANDS:
        main.add_command(command)


_register()
