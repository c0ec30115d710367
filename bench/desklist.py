"""The pages staff open all day, timed as served: the desk list, a task page and the desk's CSV.

In-process (Flask's test client, SQLite in a temp folder, a private Redis), so the figure is the page's own cost
(queries, formats, template), not the network. Seeds one desk with `--tasks` open callbacks (mixed languages and
numbers, due times spread over a day) and times each page `--rounds` times after a warm-up.
It uses only APIs that older versions have too, so the same file measures an earlier commit for a baseline:

    .venv/bin/python -m bench.desklist [--tasks 38] [--rounds 200]
    git worktree add /tmp/old <rev> && cp bench/desklist.py /tmp/old/bench/ && \\
        (cd /tmp/old && /work/main/.venv/bin/python -m bench.desklist)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))  # run from an older checkout (a copy of this file): its own ivr and tests

from ivr import create_app  # noqa: E402
from ivr.hotline import callbacks  # noqa: E402
from ivr.hotline import staff_sessions  # noqa: E402
from ivr.hotline import users  # noqa: E402
from ivr.store import db  # noqa: E402
from ivr.store.redisserver import RedisServer  # noqa: E402
from tests.factories import make_settings  # noqa: E402
from tests.support.clock import FakeClock  # noqa: E402
from tests.support.clock import berlin  # noqa: E402

LANGS = ("de", "ar", "uk", "tr", "fa", "kmr", "en", "ru")
NUMBERS = ("+4917612345{:03d}", "+4920274{:04d}", "+90532123{:04d}", "+3161234{:04d}")


def seed(engine, clock, tasks: int) -> int:
    """One desk's open callbacks and its staff member; returns a task id."""
    now = clock()
    with engine.begin() as conn:
        users.create(conn, "anna", "a long bench password", "staff", now, display_name="Anna Arslan")
        users.add_desk(conn, "anna", "zebera")
        users.create(conn, "bert", "a long bench password", "staff", now, display_name="Bert Becker")
        users.add_desk(conn, "bert", "zebera")
        first = None
        for n in range(tasks):
            task, _ = callbacks.create(conn, "zebera", NUMBERS[n % 4].format(n), LANGS[n % 8], f"CA{n:032d}",
                                       now - timedelta(hours=n), now + timedelta(hours=24 - n))
            first = first or task
    return first


def client_of(app, engine, clock, username: str):
    with engine.begin() as conn:
        user_id = users.authenticate(conn, username, "a long bench password").id
        token = staff_sessions.open_session(conn, user_id, clock(), app.permanent_session_lifetime)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
    return client


def timed(client, path: str, rounds: int) -> float:
    """Median milliseconds of GET path (after 5 warm-up requests); every answer must be 200."""
    for _ in range(5):
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, path
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=38)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        redis_server = RedisServer(directory=Path(tmp)).start()
        url = f"sqlite:///{tmp}/bench.db"
        db.upgrade(url)
        clock = FakeClock(berlin("2026-11-24 10:00"))
        settings = make_settings(Path(tmp), url, redis_server.url)
        app = create_app(settings, clock=clock, TESTING=True, SESSION_COOKIE_SECURE=False)
        engine = app.extensions["ivr"].engine
        task = seed(engine, clock, args.tasks)
        anna = client_of(app, engine, clock, "anna")
        pages = {"desk list": "/staff/desks/zebera", "task page": f"/staff/tasks/{task}",
                 "desk CSV": "/staff/desks/zebera/export.csv", "healthz (baseline)": "/healthz"}
        print(f"{args.tasks} open tasks on one desk, {args.rounds} rounds, median ms")
        for name, path in pages.items():
            print(f"  {name:20s} {timed(anna, path, args.rounds):7.2f}")
        redis_server.stop()


if __name__ == "__main__":
    main()
