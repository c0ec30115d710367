"""`ivr jobs`: background jobs that kept failing (listed as the admin page shows them), and re-queueing them."""

from __future__ import annotations

import click

from ivr.cli.context import pass_container
from ivr.cli.context import require_redis
from ivr.cli.main import main
from ivr.container import Container
from ivr.store import jobqueue


@main.group()
def jobs() -> None:
    """Background jobs: list those that failed for good, queue them again."""


@jobs.command("failed")
@pass_container()
def jobs_failed(container: Container) -> None:
    """List failed jobs, newest first (phone numbers in arguments and errors masked)."""
    rows = jobqueue.failed_jobs(require_redis(container))
    for job in rows:
        ended = job.ended_at.isoformat(timespec="seconds") if job.ended_at else "-"
        click.echo(f"{job.id}\t{job.queue}\t{job.func}({job.args})\t{ended}\t{job.error or '-'}")
    click.echo(f"{len(rows)} failed job(s)", err=True)


@jobs.command("requeue")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Queue every failed job again.")
@pass_container()
def jobs_requeue(container: Container, job_ids: tuple[str, ...], everything: bool) -> None:
    """Queue failed jobs again by id, or all of them with --all."""
    if not job_ids and not everything:
        raise click.UsageError("name job ids or use --all")
    done = jobqueue.requeue_failed(require_redis(container), None if everything else list(job_ids))
    for job_id in done:
        click.echo(f"requeued {job_id}")
    missing = set(job_ids) - set(done)
    if missing:
        raise click.ClickException("not in the failed-job registry: " + ", ".join(sorted(missing)))
