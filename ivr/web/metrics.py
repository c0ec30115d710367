"""GET /metrics: webhook counts and latency; job queue, outbox, callback and live queue figures read at scrape time."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import redis
import sqlalchemy as sa
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from rq import Queue
from rq.registry import FailedJobRegistry
from rq.registry import ScheduledJobRegistry
from rq.registry import StartedJobRegistry
from sqlalchemy.exc import SQLAlchemyError

from ivr.container import Container
from ivr.hotline import figures
from ivr.store.db import callbacks
from ivr.store.db import events
from ivr.store.jobqueue import QUEUE_NAMES

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # not through ivr.settings: prometheus_client itself reads it
"""Set for gunicorn with several workers: each worker writes its counters to files in this folder."""
CACHE_SECONDS = 5.0
"""Scrape-time figures (queues, outbox, callbacks) are reused this long, so a busy scraper costs little."""
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
"""Latency buckets in seconds; Twilio waits 15 s at most, the target is well below 0.1 s."""

REQUESTS = Counter("ivr_webhook_requests", "Twilio webhook requests by endpoint and HTTP status",
                   ["endpoint", "status"], registry=None)
LATENCY = Histogram("ivr_webhook_latency_seconds", "Time to answer a Twilio webhook", ["endpoint"],
                    buckets=BUCKETS, registry=None)


_children: dict[tuple[str, int], tuple] = {}
"""(endpoint, status) -> (latency child, counter child) of this process."""
_failure: str | None = None
"""Why the last metrics write of this process failed (None: it worked); /healthz reports it."""


def _started() -> None:
    g.ivr_started = time.perf_counter()


def _finished(response: Response) -> Response:
    global _failure
    endpoint = request.endpoint
    if endpoint and endpoint.startswith("voice."):
        try:
            _count(endpoint, response.status_code)
        except Exception as exc:  # noqa: BLE001 - counting must never turn a caller's answer into a 500
            if _failure is None:  # once per outage, not once per webhook
                log.error("metrics write failed, webhooks are answered but not counted (%s=%s): %s: %s",
                          MULTIPROC_ENV, _shown(), type(exc).__name__, exc.strerror if isinstance(exc, OSError)
                          else exc)
            _failure = type(exc).__name__
        else:
            if _failure is not None:
                log.info("metrics writes work again")
                _failure = None
    return response


def _count(endpoint: str, status: int) -> None:
    key = (endpoint, status)
    children = _children.get(key)
    if children is None:  # labels() takes a lock and builds keys (and, multiprocess, opens this process's files)
        children = _children[key] = (LATENCY.labels(endpoint[6:]), REQUESTS.labels(endpoint[6:], str(status)))
    children[0].observe(time.perf_counter() - g.get("ivr_started", time.perf_counter()))
    children[1].inc()


def _shown() -> str:
    """The metrics folder's last component only: paths may name a person (a home folder)."""
    folder = os.environ.get(MULTIPROC_ENV)
    return f".../{Path(folder).name}" if folder else "unset"


def problem() -> str | None:
    """Why webhooks cannot be counted right now (folder missing, not writable, a failed write), else None."""
    folder = os.environ.get(MULTIPROC_ENV)
    if folder and not os.path.isdir(folder):
        return "folder missing"
    if folder and not os.access(folder, os.W_OK | os.X_OK):
        return "folder not writable"
    if _failure is not None:
        return f"write failed ({_failure})"
    if folder and _children and not os.path.exists(os.path.join(folder, f"histogram_{os.getpid()}.db")):
        # the folder was emptied or replaced under a running process: it keeps writing to files nobody reads
        return "files gone (restart the web processes)"
    return None


def ensure_folder() -> None:
    """Create the multiprocess folder when it is configured but missing; log one clear line when that fails."""
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder or os.path.isdir(folder):
        return
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.error("cannot create the metrics folder (%s=%s): %s; webhooks are answered but not counted",
                  MULTIPROC_ENV, _shown(), exc.strerror or type(exc).__name__)


class ScrapeCollector:
    """Figures read from Redis and the database when Prometheus scrapes, cached a few seconds."""

    def __init__(self, svc: Container, ttl: float = CACHE_SECONDS):
        self.svc = svc
        self.ttl = ttl
        self._cached: tuple[float, list[GaugeMetricFamily]] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the gauges (from the cache when fresh)."""
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > self.ttl:
            self._cached = (now, self._read())
        yield from self._cached[1]

    def _read(self) -> list[GaugeMetricFamily]:
        redis_up = GaugeMetricFamily("ivr_redis_up", "1 when Redis answers a PING")
        db_up = GaugeMetricFamily("ivr_database_up", "1 when the database answers a query")
        jobs = GaugeMetricFamily("ivr_jobs", "RQ jobs by queue and state (queued, started, retrying, failed)",
                                 labels=["queue", "state"])
        backlog = GaugeMetricFamily("ivr_outbox_backlog", "Intake events not processed yet")
        open_tasks = GaugeMetricFamily("ivr_callbacks_open", "Open callback tasks per desk", labels=["desk"])
        overdue = GaugeMetricFamily("ivr_callbacks_overdue", "Open callback tasks past their due time",
                                    labels=["desk"])
        redis_up.add_metric([], self._read_jobs(jobs))
        queue = LiveQueue()
        db_up.add_metric([], self._read_database(backlog, open_tasks, overdue, queue))
        return [redis_up, db_up, jobs, backlog, open_tasks, overdue, *queue.families()]

    def _read_jobs(self, jobs: GaugeMetricFamily) -> float:
        conn = self.svc.redis
        if conn is None:
            return 0.0
        try:
            for name in QUEUE_NAMES:
                queue = Queue(name, connection=conn)
                jobs.add_metric([name, "queued"], queue.count)
                jobs.add_metric([name, "started"], StartedJobRegistry(queue=queue).count)
                jobs.add_metric([name, "retrying"], ScheduledJobRegistry(queue=queue).count)
                jobs.add_metric([name, "failed"], FailedJobRegistry(queue=queue).count)
        except redis.RedisError:
            jobs.samples.clear()
            return 0.0
        return 1.0

    def _read_database(self, backlog: GaugeMetricFamily, open_tasks: GaugeMetricFamily,
                       overdue: GaugeMetricFamily, queue: LiveQueue) -> float:
        now = self.svc.clock()
        pending = sa.select(sa.func.count()).select_from(events).where(events.c.processed_at.is_(None))
        per_desk = sa.select(callbacks.c.desk, sa.func.count(),
                             sa.func.sum(sa.case((callbacks.c.due_at < now, 1), else_=0))) \
            .where(callbacks.c.status == "open").group_by(callbacks.c.desk)
        queue_desks = [desk for desk, config in self.svc.settings.desks.items() if config.connect == "queue"]
        try:
            with self.svc.engine.connect() as conn:
                waiting = conn.execute(pending).scalar_one()
                counts = {desk: (n, late or 0) for desk, n, late in conn.execute(per_desk)}
                live = figures.live(conn, now, self.svc.tz, queue_desks) if queue_desks else []
        except SQLAlchemyError:
            return 0.0
        queue.add(live)
        backlog.add_metric([], waiting)
        for desk in sorted(set(self.svc.settings.desks) | set(counts)):
            n, late = counts.get(desk, (0, 0))
            open_tasks.add_metric([desk], n)
            overdue.add_metric([desk], late)
        return 1.0


class LiveQueue:
    """The live queue's figures per queue desk (figures.live, the live page's own definition): counts only."""

    def __init__(self) -> None:
        self.waiting = GaugeMetricFamily("ivr_queue_waiting", "Callers waiting in a desk's queue, by language",
                                         labels=["desk", "language"])
        self.longest = GaugeMetricFamily("ivr_queue_longest_wait_seconds", "The longest current wait at a desk",
                                         labels=["desk"])
        self.agents = GaugeMetricFamily("ivr_queue_agents", "People of a desk by state (available, busy: on a "
                                        "call or being offered one, wrap_up, paused); signed-out people are not "
                                        "counted", labels=["desk", "status"])
        self.missed = GaugeMetricFamily("ivr_queue_offers_missed_today", "Offers to a person not taken in time, "
                                        "since local midnight", labels=["desk"])
        self.abandoned = GaugeMetricFamily("ivr_queue_abandoned_today", "Callers who hung up while waiting, "
                                           "since local midnight", labels=["desk"])
        self.level = GaugeMetricFamily("ivr_queue_service_level_today", f"Share of today's decided callers a "
                                       f"person took within {figures.SERVICE_SECONDS} s (hang-ups under "
                                       f"{figures.SHORT_ABANDON_SECONDS} s left out; absent before the first)",
                                       labels=["desk"])
        self.waits = HistogramMetricFamily("ivr_queue_wait_seconds", "Waits decided today (connected to a person "
                                           "or ended), in seconds; starts again at local midnight", labels=["desk"])

    def add(self, live: list[figures.DeskLive]) -> None:
        """Add every desk's figures."""
        for desk in live:
            for language, n in desk.waiting.items():
                self.waiting.add_metric([desk.desk, language], n)
            self.longest.add_metric([desk.desk], desk.longest_wait_s)
            for state, n in desk.agents.items():
                self.agents.add_metric([desk.desk, state], n)
            self.missed.add_metric([desk.desk], desk.missed)
            self.abandoned.add_metric([desk.desk], desk.abandoned)
            if desk.service_level is not None:
                self.level.add_metric([desk.desk], desk.service_level)
            buckets = [(str(float(bound)), n)
                       for bound, n in zip(figures.WAIT_BUCKETS, desk.wait_buckets, strict=True)]
            self.waits.add_metric([desk.desk], [*buckets, ("+Inf", desk.wait_count)], desk.wait_sum)

    def families(self) -> list:
        """The metric families, in /metrics order."""
        return [self.waiting, self.longest, self.agents, self.missed, self.abandoned, self.level, self.waits]


def registry(collector: ScrapeCollector | None) -> CollectorRegistry:
    """Build the registry of one scrape: every worker's counters (multiprocess) or this process's."""
    reg = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(reg)
    else:
        reg.register(REQUESTS)
        reg.register(LATENCY)
    if collector is not None:
        reg.register(collector)
    return reg


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format; counts only, no personal data."""
    collector = current_app.extensions["ivr.web.metrics"]
    try:
        body = generate_latest(registry(collector))
    except (OSError, ValueError) as exc:  # the multiprocess folder is missing or unreadable
        log.error("metrics scrape failed: %s", type(exc).__name__)
        return Response(f"metrics unavailable: {problem() or type(exc).__name__}\n", status=503,
                        content_type="text/plain; charset=utf-8")
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Time every webhook and serve /metrics."""
    ensure_folder()
    app.extensions["ivr.web.metrics"] = ScrapeCollector(app.extensions["ivr"])
    app.before_request(_started)
    app.after_request(_finished)
    app.register_blueprint(bp)
