"""Login flood benchmark: does a flood of staff logins slow the phone line?

The hotline runs under gunicorn exactly as the Procfile starts it (2 sync workers, SQLite, a private Redis, one
reverse proxy trusted so the flood can come from one address or from many). One process posts `/login` from 16
threads as fast as the server answers, each thread with its own session and CSRF token and a random user name and
password for every attempt (every attempt that gets through costs a scrypt hash). Meanwhile this process places
signed calls (`POST /voice/incoming`, a new CallSid each, one every 25 ms) and measures their latency. Phases, in
one run against the same server:

- `baseline`: calls alone;
- `flood-one`: the flood from one client address;
- `flood-many`: the flood from a random address per attempt (only the overall limit and the hashing bound hold);
- `unguarded` (with `--unguarded`): the same one-address flood against a second server whose login limits and
  hashing bound are lifted (what the hotline did before), for comparison.

Usage:

    .venv/bin/python -m bench.login_flood [--seconds 20] [--threads 16] [--unguarded] [--json out.json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import redis

from ivr.store import db
from ivr.store.redisserver import RedisServer
from ivr.store.redisserver import free_port
from tests.support.phone import Phone

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
CALL_INTERVAL = 0.025
"""Seconds between two calls the measuring caller places."""
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
UNGUARDED = {"IVR_LOGIN_RATE_PER_ADDRESS": "1000000 per minute", "IVR_LOGIN_RATE_GLOBAL": "1000000 per minute",
             "IVR_LOGIN_MAX_FAILURES": "1000000", "IVR_LOGIN_HASH_SLOTS": "64"}


def _procfile_args(port: int) -> list[str]:
    """The Procfile's gunicorn arguments for the web process (its defaults filled in), bound to `port`."""
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    command = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", line.split("exec gunicorn", 1)[1])
    args = shlex.split(command)
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    return args


def _serve(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", *_procfile_args(port)], env=env, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start (see {log})")


def _flood(port: int, threads: int, seconds: float, many: bool, out: multiprocessing.Queue) -> None:
    """Post /login from `threads` threads for `seconds`; put a Counter of the answers' statuses on `out`.

    Raw sockets and a request assembled from bytes: the flood should spend the machine's two cores on the server,
    not on building requests in Python.
    """
    counts: Counter[int] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        rng = random.Random()
        address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/login", headers={"X-Forwarded-For": address})
        page = connection.getresponse()
        cookie = page.getheader("Set-Cookie", "").split(";", 1)[0]  # sent by hand: the cookie is Secure
        token = _CSRF.search(page.read().decode()).group(1)
        head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n").encode()
        mine: Counter[int] = Counter()
        while time.monotonic() < stop:
            if many:
                address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            body = f"username=user{rng.getrandbits(40):x}&password=pw{rng.getrandbits(64):x}&csrf_token={token}"
            request = head + f"X-Forwarded-For: {address}\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                    sock.sendall(request)
                    answer = b""
                    while chunk := sock.recv(65536):
                        answer += chunk
                mine[int(answer[9:12])] += 1
            except (OSError, ValueError):
                mine[0] += 1
        with lock:
            counts.update(mine)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    out.put(dict(counts))


def _calls(port: int, seconds: float) -> list[float]:
    """Place signed calls one after another for `seconds`; return each /voice/incoming latency in ms."""
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []

    def post(url: str, data: dict[str, str], headers: dict[str, str]) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        began = time.perf_counter()
        connection.request("POST", url.removeprefix(base), body=urlencode(data),
                           headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        body = response.read()
        latencies.append((time.perf_counter() - began) * 1000)
        connection.close()
        return response.status, body

    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        Phone(post=post, base=base, token=TOKEN).call()  # a fresh CallSid; asserts a 200 with valid TwiML
        time.sleep(CALL_INTERVAL)
    return latencies


def _summary(latencies: list[float]) -> dict[str, float]:
    """Count, median, nearest-rank p95 and p99, and maximum of the latencies."""
    ordered = sorted(latencies)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return {"calls": len(ordered), "p50_ms": statistics.median(ordered), "p95_ms": rank(0.95),
            "p99_ms": rank(0.99), "max_ms": ordered[-1]}


def _phase(port: int, seconds: float, threads: int, flood: str | None) -> dict:
    """Measure calls for `seconds`, with a flood ('one' or 'many' addresses) in another process, or without."""
    process, counts = None, {}
    if flood:
        queue: multiprocessing.Queue = multiprocessing.Queue()
        process = multiprocessing.Process(target=_flood, args=(port, threads, seconds + 1, flood == "many", queue))
        process.start()
        time.sleep(1)  # let the flood reach full strength before measuring
    latencies = _calls(port, seconds)
    if process is not None:
        counts = queue.get(timeout=120)
        process.join(30)
    attempts = sum(counts.values())
    return _summary(latencies) | {
        "load_average": os.getloadavg()[0],
        "login_statuses": {str(k): v for k, v in sorted(counts.items())},
        "login_attempts_per_s": attempts / (seconds + 1) if flood else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--unguarded", action="store_true", help="also flood a server with the login guards lifted")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ivr-login-flood-"))
    redis_server = RedisServer(directory=tmp / "redis").start()
    database = f"sqlite:///{tmp / 'bench.sqlite3'}"
    db.upgrade(database)
    env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="bench", DATABASE_URL=database,
               REDIS_URL=redis_server.url, IVR_INSTANCE_DIR=str(tmp / "instance"), PYTHONPATH=str(ROOT),
               IVR_TRUSTED_PROXIES="1", IVR_FLOWS_WATCH="0", PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"))
    results: dict[str, dict] = {}
    servers: list[subprocess.Popen] = []
    try:
        port = free_port()
        servers.append(_serve(port, env, tmp / "web.log"))
        _calls(port, 2)  # warm-up: both workers have answered calls
        results["baseline"] = _phase(port, args.seconds, args.threads, None)
        results["flood-one"] = _phase(port, args.seconds, args.threads, "one")
        flush = redis.Redis.from_url(redis_server.url)
        flush.flushdb()  # the next flood starts with fresh limits
        flush.close()
        results["flood-many"] = _phase(port, args.seconds, args.threads, "many")
        if args.unguarded:
            servers[0].terminate()
            servers[0].wait(15)
            port = free_port()
            unguarded = dict(env, IVR_INSTANCE_DIR=str(tmp / "instance-unguarded"),
                             PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics-unguarded"), **UNGUARDED)
            servers.append(_serve(port, unguarded, tmp / "web-unguarded.log"))
            _calls(port, 2)
            results["unguarded"] = _phase(port, args.seconds, args.threads, "one")
    finally:
        for server in servers:
            if server.poll() is None:
                server.terminate()
                server.wait(15)
        redis_server.stop()

    print(f"{'phase':<12}{'calls':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'logins/s':>10}"
          f"{'load':>6}   statuses")
    for name, row in results.items():
        print(f"{name:<12}{row['calls']:>7}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}"
              f"{row['max_ms']:>9.1f}{row['login_attempts_per_s']:>10.0f}{row['load_average']:>6.1f}"
              f"   {row['login_statuses']}")
    worst = max(results[p]["p99_ms"] for p in ("flood-one", "flood-many"))
    print(f"webhook p99 during the guarded floods: {worst:.1f} ms (target < 100 ms)")
    if args.json:
        args.json.write_text(json.dumps({"phases": results, "args": vars(args) | {"json": str(args.json)}}, indent=2))


if __name__ == "__main__":
    main()
