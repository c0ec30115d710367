"""Burst benchmark: a real web server and one `ivr worker` process take a burst of callback calls.

Measures, in one run: job overhead (empty jobs) and `process_event` jobs per second of one worker process (queued
events drained), then the burst — calls that each end in a callback with caller ID (incoming, menu keys, callback
capture, status completed), so many in flight — and how long after the last call's end the last task shows on its
desk's list (database and JSON API), duplicates, and webhook latency during the burst against one call at a time
before it. Usage:

    .venv/bin/python -m bench.burst [--calls 80] [--in-flight 8] [--rate 10] [--jobs 2000]
    .venv/bin/python -m bench.burst --database postgresql://postgres@127.0.0.1:5432/bench   # drops its schema!
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from datetime import datetime
from pathlib import Path

import redis
import requests
import sqlalchemy as sa
from rq import Queue
from rq import Worker
from rq import suspension
from rq.job import Job

from ivr import gunicorn_logging
from ivr.store import db
from ivr.store import jobqueue as queue
from ivr.store.redisserver import RedisServer
from ivr.store.redisserver import free_port
from tests.support.phone import Phone

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
API_TOKEN = "bench-api-token"
EVENING = "2026-11-24T18:30:00+00:00"
"""Tuesday 19:30 in Wuppertal: the desk is closed, so every call ends in a callback task."""


def empty() -> None:
    """A job that does nothing: what is left of its run time is the worker's overhead."""


class Hotline:
    """One installation in child processes: private Redis (unless given), gunicorn web, `ivr worker` processes."""

    def __init__(self, tmp: Path, database_url: str | None = None, redis_url: str | None = None,
                 web_workers: int = 2):
        self.tmp = tmp
        self.redis_server = None if redis_url else RedisServer(directory=tmp / "redis")
        self.redis_url = redis_url
        self.database_url = database_url or f"sqlite:///{tmp / 'ivr.sqlite3'}"
        self.web_workers = web_workers
        self.port = free_port()
        self.clock = tmp / "clock"
        self.processes: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.session = requests.Session()
        self.engine: sa.Engine | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IVR_", "REDIS_", "DATABASE_", "TWILIO_"))}
        env.update(TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="bench-secret", IVR_API_TOKEN=API_TOKEN,
                   DATABASE_URL=self.database_url, REDIS_URL=self.redis_url or "", PYTHONUNBUFFERED="1",
                   IVR_INSTANCE_DIR=str(self.tmp / "instance"), IVR_TEST_CLOCK_FILE=str(self.clock),
                   PROMETHEUS_MULTIPROC_DIR=str(self.tmp / "metrics"), IVR_LOG_FORMAT="json")
        return env

    def start(self, workers: int = 1) -> Hotline:
        if self.redis_server is not None:
            self.redis_url = self.redis_server.start().url
        self.clock.write_text(EVENING)
        (self.tmp / "metrics").mkdir(exist_ok=True)
        db.upgrade(self.database_url)
        self.engine = db.make_engine(self.database_url)
        self._spawn("web", [sys.executable, "-m", *gunicorn_logging.command(
            "tests.support.serve:app()", f"127.0.0.1:{self.port}", self.web_workers, access_log="/dev/null")])
        for _ in range(workers):
            self.start_worker()
        deadline = time.monotonic() + 60
        while not self._up():
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                raise RuntimeError("the hotline did not start; see " + str(self.tmp))
            time.sleep(0.2)
        return self

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        with (self.tmp / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(argv, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes.append(process)
        return process

    def start_worker(self) -> subprocess.Popen:
        process = self._spawn(f"worker{len(self.workers)}", [sys.executable, "-m", "ivr", "worker"])
        self.workers.append(process)
        return process

    def _up(self) -> bool:
        try:
            if self.session.get(self.base + "/healthz", timeout=2).status_code != 200:
                return False
        except requests.RequestException:
            return False
        with redis.Redis.from_url(self.redis_url) as conn:
            return len(Worker.all(connection=conn)) >= len(self.workers)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.redis_server is not None:
            self.redis_server.stop()
        if self.engine is not None:
            self.engine.dispose()
        self.session.close()

    def call(self, caller: str, timings: list[float] | None = None) -> str:
        """One whole signed call that ends in a callback with caller ID; return its CallSid."""
        def post(url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
            started = time.perf_counter()
            response = requests.post(url, data=data, headers=headers, timeout=30)
            if timings is not None:
                timings.append(time.perf_counter() - started)
            return response.status_code, response.content

        phone = Phone(post=post, base=self.base, token=TOKEN, caller=caller)
        phone.call()
        for key in ("7", "1", "4", "1"):  # English, a desk that is closed now, "call me back", "on this number"
            phone.press(key)
        phone.press("3")  # any time
        if "s=sms" in phone.last.gather.attrib["action"]:  # a mobile number is offered the SMS: no
            phone.press("2")
        if not phone.press("2").hung_up:  # no voice message
            raise AssertionError(f"call {phone.call_sid} did not end in a callback: {phone.last.text}")
        phone.hang_up()
        return phone.call_sid

    def scalar(self, sql: str, **params: object) -> object:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def tasks(self, call_sids: set[str]) -> dict[str, int]:
        """CallSid -> number of callback tasks, for the given calls."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT call_sid, count(*) FROM callbacks GROUP BY call_sid")).all()
        return {sid: n for sid, n in rows if sid in call_sids}

    def listed(self, call_sids: set[str]) -> int:
        """How many of the calls' tasks the JSON API lists on their desks' open lists."""
        listed = 0
        for desk in self._desks():
            response = self.session.get(f"{self.base}/api/callbacks", params={"desk": desk, "status": "open"},
                                        headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)
            listed += sum(task["call_sid"] in call_sids for task in response.json()["callbacks"])
        return listed

    def _desks(self) -> list[str]:
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.text("SELECT DISTINCT desk FROM callbacks"))]

    def pending(self) -> int:
        return int(self.scalar("SELECT count(*) FROM events WHERE processed_at IS NULL"))


def _percentiles(timings: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {"requests": len(timings), "p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1),
            "max_ms": round(max(timings) * 1000, 1)}


def _wait(predicate, timeout: float, what: str, interval: float = 0.02) -> float:
    """Poll until predicate() holds; return the time.monotonic() when it first did."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic()


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far; steadier than wall time on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _drain(hotline: Hotline, job_ids: list[str], enqueue) -> dict[str, float]:
    """Queue jobs while the worker is suspended, let it go, and time it from the first start to the last end."""
    conn = redis.Redis.from_url(hotline.redis_url)
    suspension.suspend(conn)
    # a worker waiting on the queue takes the first job queued before it looks at the suspension: give it one
    # that is not measured, so that every measured job starts after the resume
    marker = Queue("calls", connection=conn).enqueue("bench.burst.empty", result_ttl=600)
    _wait(lambda: marker.get_status(refresh=True) == "finished", 60, "the worker to see the suspension")
    enqueue(conn)
    cpu = _cpu_seconds(hotline.workers[0].pid)
    suspension.resume(conn)

    def finished() -> bool:
        return Queue("calls", connection=conn).count == 0 and all(
            job is not None and job.ended_at is not None for job in Job.fetch_many(job_ids[-50:], connection=conn))

    _wait(finished, 600, "the worker to drain the queue", interval=0.2)
    cpu = _cpu_seconds(hotline.workers[0].pid) - cpu
    jobs = [job for job in Job.fetch_many(job_ids, connection=conn) if job is not None]
    conn.close()
    first = min(job.started_at for job in jobs)
    last = max(job.ended_at for job in jobs)
    inside = statistics.mean((job.ended_at - job.started_at).total_seconds() for job in jobs)
    seconds = (last - first).total_seconds()
    return {"jobs": len(jobs), "seconds": round(seconds, 2), "jobs_per_second": round(len(jobs) / seconds, 1),
            "ms_per_job": round(seconds / len(jobs) * 1000, 2), "ms_inside_job": round(inside * 1000, 2),
            "worker_cpu_ms_per_job": round(cpu / len(jobs) * 1000, 2),
            "failed": len(job_ids) - sum(job.get_status(refresh=False) == "finished" for job in jobs)}


def measure_overhead(hotline: Hotline, count: int) -> dict[str, float]:
    """Empty jobs through the worker: all of their time is RQ's and the worker's own."""
    ids = [f"empty-{n}" for n in range(count)]

    def enqueue(conn: redis.Redis) -> None:
        calls = Queue("calls", connection=conn)
        calls.enqueue_many([Queue.prepare_data("bench.burst.empty", job_id=job_id, result_ttl=600)
                            for job_id in ids])

    return _drain(hotline, ids, enqueue)


def store_events(hotline: Hotline, count: int, prefix: str = "drain") -> list[int]:
    """Store `count` events as webhooks would (half callback requests, half final statuses); return their ids."""
    now = datetime.now(UTC)
    old_ns = time.time_ns() - 10**9  # received a second ago: no status waits for web processes' path writes
    rows = []
    for n in range(count // 2):
        sid = f"CA{prefix}{n:0{32 - len(prefix)}d}"
        rows.append({"kind": "callback", "call_sid": sid, "dedupe_key": f"callback:{sid}:info", "created_at": now,
                     "attempts": 0, "payload": json.dumps({"desk": "info", "phone": f"+49176{n:08d}",
                                                           "language": "de", "version": None, "at": now.isoformat()})})
        rows.append({"kind": "status", "call_sid": sid, "dedupe_key": f"status:{sid}:completed:1", "created_at": now,
                     "attempts": 0, "payload": json.dumps({"status": "completed", "duration": "60",
                                                           "from": f"+49176{n:08d}", "received_at": now.isoformat(),
                                                           "received_ns": old_ns})})
    with hotline.engine.begin() as conn:
        first = int(conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM events")).scalar()) + 1
        conn.execute(db.events.insert(), rows)
        return [r[0] for r in conn.execute(sa.select(db.events.c.id).where(db.events.c.id >= first)
                                           .order_by(db.events.c.id))]


def measure_jobs(hotline: Hotline, count: int) -> dict[str, float]:
    """`process_event` jobs of stored events, drained by the worker."""
    ids = store_events(hotline, count)

    def enqueue(conn: redis.Redis) -> None:
        queue.enqueue_events(conn, ids)  # as webhooks queue them

    result = _drain(hotline, [queue.event_job_id(i) for i in ids], enqueue)
    result["unprocessed"] = hotline.pending()
    return result


def run_burst(hotline: Hotline, calls: int, in_flight: int, rate: float, idle_calls: int) -> dict:
    """Idle baseline (one call at a time), then the burst; tasks timed from the last call's end."""
    idle: list[float] = []
    for n in range(idle_calls):
        hotline.call(f"+4917690{n:05d}", idle)
    _wait(lambda: hotline.pending() == 0, 120, "the baseline calls' events")

    timings: list[float] = []
    lock = threading.Lock()
    ended: list[float] = []
    started = time.monotonic()

    def one(n: int) -> str:
        time.sleep(max(0.0, started + n / rate - time.monotonic()))  # callers arrive at `rate` a second
        mine: list[float] = []
        sid = hotline.call(f"+4917691{n:05d}", mine)
        with lock:
            timings.extend(mine)
            ended.append(time.monotonic())
        return sid

    with ThreadPoolExecutor(in_flight) as pool:
        sids = set(pool.map(one, range(calls)))
    last_end = max(ended)
    in_db = _wait(lambda: sum(hotline.tasks(sids).values()) >= calls, 600, "every task in the database")
    in_api = _wait(lambda: hotline.listed(sids) >= calls, 600, "every task on its desk's list", interval=0.05)
    applied = _wait(lambda: hotline.pending() == 0, 600, "every event applied")
    per_call = hotline.tasks(sids)
    return {
        "calls": calls, "in_flight": in_flight, "burst_seconds": round(last_end - started, 1),
        "calls_per_second": round(calls / (last_end - started), 1),
        "last_task_in_database_after_s": round(in_db - last_end, 2),
        "last_task_listed_by_api_after_s": round(in_api - last_end, 2),
        "every_event_applied_after_s": round(applied - last_end, 2),
        "tasks": sum(per_call.values()), "duplicates": sum(n - 1 for n in per_call.values()),
        "calls_without_task": calls - len(per_call),
        "events_not_applied_once": int(hotline.scalar("SELECT count(*) FROM events WHERE attempts != 1")),
        "webhooks_idle": _percentiles(idle), "webhooks_burst": _percentiles(timings),
    }


def _prepare_database(url: str | None) -> None:
    if url and url.startswith("postgres"):
        engine = db.make_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL URL (its public schema is dropped); default: a SQLite file")
    parser.add_argument("--calls", type=int, default=80)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--rate", type=float, default=10.0, help="calls started per second")
    parser.add_argument("--idle-calls", type=int, default=10, help="calls one at a time before the burst")
    parser.add_argument("--jobs", type=int, default=2000, help="process_event jobs for the drain measure")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ivr-burst-"))
    _prepare_database(args.database)
    hotline = Hotline(tmp, args.database).start(workers=1)
    try:
        result = {"database": "postgresql" if args.database else "sqlite",
                  "overhead": measure_overhead(hotline, min(args.jobs, 2000)),
                  "process_event": measure_jobs(hotline, args.jobs),
                  "burst": run_burst(hotline, args.calls, args.in_flight, args.rate, args.idle_calls)}
    finally:
        hotline.stop()
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
