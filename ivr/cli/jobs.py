"""`ivr jobs`: the dead-letter view of background jobs that kept failing, and re-queueing them."""

from __future__ import annotations

import click
import redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from ivr.store.jobqueue import QUEUE_NAMES


def _connection() -> redis.Redis:
    from ivr.cli.main import _settings
    from ivr.store.breaker import connect

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("REDIS_URL is not set")
    return connect(settings.redis_url, 5.0)


def failed_jobs(conn: redis.Redis) -> list[dict[str, str]]:
    """Return the jobs in every queue's failed-job registry: id, queue, function, when, last error line."""
    found = []
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(queue=Queue(name, connection=conn))
        for job_id in registry.get_job_ids():
            try:
                job = Job.fetch(job_id, connection=conn)
            except NoSuchJobError:
                continue
            error = (job.latest_result().exc_string if job.latest_result() else None) or ""
            last = [line for line in error.strip().splitlines() if line.strip()][-1:] or ["-"]
            found.append({"id": job_id, "queue": name, "func": job.func_name,
                          "ended_at": job.ended_at.isoformat(timespec="seconds") if job.ended_at else "-",
                          "error": last[0][:160]})
    return found


def requeue(conn: redis.Redis, job_ids: list[str] | None = None) -> list[str]:
    """Queue failed jobs again (all when job_ids is None); return the ids re-queued."""
    done = []
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(queue=Queue(name, connection=conn))
        for job_id in registry.get_job_ids():
            if job_ids is None or job_id in job_ids:
                registry.requeue(job_id)
                done.append(job_id)
    return done


@click.group("jobs")
def jobs() -> None:
    """Background jobs: list those that failed for good, queue them again."""


@jobs.command("failed")
def jobs_failed() -> None:
    """List failed jobs (they hold record ids only, never phone numbers)."""
    rows = failed_jobs(_connection())
    for row in rows:
        click.echo(f"{row['id']}\t{row['queue']}\t{row['func']}\t{row['ended_at']}\t{row['error']}")
    click.echo(f"{len(rows)} failed job(s)", err=True)


@jobs.command("requeue")
@click.argument("job_ids", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Queue every failed job again.")
def jobs_requeue(job_ids: tuple[str, ...], everything: bool) -> None:
    """Queue failed jobs again by id, or all of them with --all."""
    if not job_ids and not everything:
        raise click.UsageError("name job ids or use --all")
    done = requeue(_connection(), None if everything else list(job_ids))
    missing = set(job_ids) - set(done)
    for job_id in done:
        click.echo(f"requeued {job_id}")
    if missing:
        raise click.ClickException("not in the failed-job registry: " + ", ".join(sorted(missing)))
