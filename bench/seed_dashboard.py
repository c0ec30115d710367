"""Dashboard benchmark: seed 1,000,000 calls and 100,000 callback tasks; time every figure and the staff list.

SQLite by default (a file under a temporary folder), PostgreSQL when --database-url or DATABASE_URL says so
(the database is emptied first). Usage:

    .venv/bin/python -m bench.seed_dashboard [--calls 1000000] [--tasks 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ivr.hotline import figures
from ivr.hotline import worklist as tasks
from ivr.hotline.figures import Period
from ivr.hotline.officehours import build_schedules
from ivr.settings import DEFAULT_CONFIG
from ivr.settings import load_config
from ivr.store import db
from ivr.store.db import callbacks
from ivr.web.supervisors import charts

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Wuppertal
DAYS = 730
"""Calls and tasks are spread over two years before NOW."""
OUTCOMES = ("transferred",) * 55 + ("callback_requested",) * 20 + ("abandoned",) * 22 + ("error",) * 3
LANGUAGES = ("de",) * 40 + ("ar",) * 20 + ("uk",) * 12 + ("tr",) * 10 + ("fa",) * 8 + ("kmr",) * 4 \
    + ("en",) * 4 + ("ru",) * 2
CALL_COLUMNS = ("call_sid", "caller_hash", "language", "path", "desk", "outcome", "status", "status_rank",
                "started_at", "ended_at", "duration", "local_date", "local_weekday", "local_hour",
                "created_at", "updated_at")
TASK_COLUMNS = ("desk", "phone", "language", "call_sid", "status", "outcome", "attempts", "created_at",
                "due_at", "closed_at", "updated_at", "local_date")


def _instants(count: int, rng: random.Random) -> Iterator[datetime]:
    """`count` instants in office-ish hours (07-19 local) over DAYS before NOW, oldest day first (as rows
    arrive in production: physically in time order, which the database's range scans rely on)."""
    first = NOW.astimezone(BERLIN).date() - timedelta(days=DAYS - 1)
    for n in range(DAYS):
        day = first + timedelta(days=n)
        for _ in range(count // DAYS + (1 if n < count % DAYS else 0)):
            hour, minute = rng.randrange(7, 19), rng.randrange(60)
            yield datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def _calls(count: int, desks: list[str], rng: random.Random) -> Iterator[tuple]:
    for i, started in enumerate(_instants(count, rng)):
        local = started.astimezone(BERLIN)
        outcome = rng.choice(OUTCOMES)
        desk = None if outcome == "abandoned" and rng.random() < 0.4 else rng.choice(desks)
        duration = rng.randrange(10, 600)
        yield (f"CA{i:032x}", None, rng.choice(LANGUAGES), "[]", desk, outcome, "completed", 9, started,
               started + timedelta(seconds=duration), duration, local.date(), local.weekday(), local.hour,
               started, started)


def _tasks(count: int, config, rng: random.Random) -> Iterator[tuple]:
    schedules = build_schedules(config)
    desks = list(config.desks)
    for i, created in enumerate(_instants(count, rng)):
        desk = rng.choice(desks)
        due = schedules[desk].add_service_hours(created, config.desks[desk].callback_promise_hours)
        closed = created + timedelta(minutes=rng.randrange(10, 60 * 60))
        still_open = closed > NOW or rng.random() < 0.01  # about 1,000 open tasks, many of them overdue
        yield (desk, None if not still_open else f"+49176{i:08d}", rng.choice(LANGUAGES), f"CB{i:032x}",
               "open" if still_open else "closed", None if still_open else "reached", 1, created, due,
               None if still_open else closed, closed if not still_open else created,
               created.astimezone(BERLIN).date())


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value.isoformat() if hasattr(value, "isoformat") else value


def _bulk(engine: sa.Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple],
          chunk: int = 50_000) -> None:
    """Insert fast: executemany on SQLite in one transaction, COPY on PostgreSQL."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            batch: list[tuple] = []
            for row in rows:
                batch.append(tuple(_sqlite_value(v) for v in row))
                if len(batch) >= chunk:
                    cur.executemany(sql, batch)
                    batch.clear()
            cur.executemany(sql, batch)
        else:
            cur.execute("SET statement_timeout = 0")  # the app's 5 s limit is for webhooks, not bulk loads
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _time(fn: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of `repeat` runs after one warm-up."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def staff_list(conn: sa.Connection, desk: str) -> list:
    """The staff list: open tasks of one desk, oldest due first, 100 at a time."""
    query = sa.select(callbacks).where(callbacks.c.desk == desk).where(callbacks.c.status == "open") \
        .order_by(callbacks.c.due_at, callbacks.c.id).limit(100)
    return conn.execute(query).all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='ivr-dash-')) / 'dashboard.sqlite3'}"
    engine = db.make_engine(url)
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    db.upgrade(url)
    config = load_config(os.environ.get("IVR_CONFIG") or DEFAULT_CONFIG)
    rng = random.Random(7)
    start = time.perf_counter()
    _bulk(engine, "calls", CALL_COLUMNS, _calls(args.calls, list(config.desks), rng))
    _bulk(engine, "callbacks", TASK_COLUMNS, _tasks(args.tasks, config, rng))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # what autovacuum does after a while: statistics, and the visibility map for index-only scans
        conn.execute(sa.text("VACUUM ANALYZE" if engine.dialect.name != "sqlite" else "ANALYZE"))
    print(f"{engine.dialect.name}: seeded {args.calls:,} calls and {args.tasks:,} tasks in "
          f"{time.perf_counter() - start:.0f} s")

    today = NOW.astimezone(BERLIN).date()
    month, weeks = Period.last_days(today, 30), Period(today - timedelta(days=today.weekday() + 28), today)
    busiest = max(config.desks, key=lambda d: 0)
    with engine.connect() as conn:
        open_counts = figures.open_callbacks(conn, NOW)
        busiest = max(open_counts, key=lambda d: open_counts[d][0]) if open_counts else busiest
        timings = {
            "calls per day and desk (30 days)": lambda: figures.calls_per_day(conn, month),
            "outcome mix (30 days)": lambda: figures.outcome_mix(conn, month),
            "language mix (30 days)": lambda: figures.language_mix(conn, month),
            "weekday x hour (30 days)": lambda: figures.weekday_hour(conn, month),
            "open and overdue callbacks per desk": lambda: figures.open_callbacks(conn, NOW),
            "service level per desk and week (5 weeks)": lambda: figures.service_level(conn, weeks, NOW),
            "monthly CSV rows (one month)": lambda: figures.month_rows(conn, Period.month(2026, 10), NOW),
            f"staff list: open tasks of {busiest}, 100 oldest due": lambda: staff_list(conn, busiest),
            f"workbench list as served: tasks.open_tasks({busiest}), all open": lambda: tasks.open_tasks(
                conn, [busiest]),
            "supervisor overview as served: tasks.overview(all desks)": lambda: tasks.overview(
                conn, list(config.desks), NOW, today),
        }
        results = {name: _time(fn, args.repeat) for name, fn in timings.items()}

        def page() -> None:
            per_day = figures.calls_per_day(conn, month)
            series = {d: [per_day.get((day, d), 0) for day in month.days()] for d in {k[1] for k in per_day}}
            charts.stacked_columns("calls", [str(d) for d in month.days()], series)
            charts.bars("outcomes", list(figures.outcome_mix(conn, month).items()))
            charts.bars("languages", list(figures.language_mix(conn, month).items()))
            charts.heatmap("hours", ["x"] * 7, [str(h) for h in range(24)], figures.weekday_hour(conn, month))
            figures.open_callbacks(conn, NOW)
            figures.service_level(conn, weeks, NOW)

        results["whole dashboard (all figures + SVG)"] = _time(page, args.repeat)
        in_month = db.calls.c.local_date.between(month.start, month.end)
        rows_in_month = conn.execute(sa.select(sa.func.count()).select_from(db.calls).where(in_month)) \
            .scalar_one()
    print(f"calls in the last 30 days: {rows_in_month:,}; open tasks: "
          f"{sum(n for n, _ in open_counts.values()):,}")
    print(f"{'query':<58}{'median ms':>10}")
    for name, ms in results.items():
        print(f"{name:<58}{ms:>10.1f}")
    engine.dispose()


if __name__ == "__main__":
    main()
