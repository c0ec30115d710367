"""`ivr worker`: the RQ worker on the hotline's queues, with the outbox relay beside it."""

from __future__ import annotations

import threading

import click

from ivr.cli.context import Context
from ivr.cli.context import require_redis
from ivr.cli.main import main


@main.command()
@click.option("--burst", is_flag=True, help="Process what is queued, then exit (for tests and cron).")
@click.pass_obj
def worker(context: Context, burst: bool) -> None:
    """Run the RQ worker on the hotline's queues, with the outbox relay beside it."""
    from ivr import logs
    from workers import context as jobcontext
    from workers import relay
    from workers import runner

    logs.install()
    env = jobcontext.build(context.container().settings)
    require_redis(env)
    jobcontext.use(env)  # one container for the relay and every job of this process
    stop = threading.Event()
    if burst:
        relay.relay_once(env)
    else:
        threading.Thread(target=relay.run_forever, args=(env, stop), name="outbox-relay", daemon=True).start()
    try:
        runner.work(env.redis, burst=burst)  # restarts RQ's worker after a Redis outage
    finally:
        stop.set()
