"""Webhook load benchmark: signed webhooks of real calls against the hotline vs a bare Flask endpoint.

Both apps run under gunicorn with the Procfile's web settings; wrk posts from a second process on loopback. Modes:

- `who`: the "who is calling" menu answered with 1 (a step from the step cache);
- `first`: the first menu step every caller takes (language -> privacy notice -> announcement -> who menu);
- `call`: every webhook of recorded calls (a transfer and a busy desk with a callback capture: incoming, each menu
  step, the Dial action, the callback choice, window, SMS offer and consent, the status callback), in call order.

The calls are recorded by walking them against the served app with a simulated phone, then every request is
signed with twilio's RequestValidator for fresh CallSids, one per call and run (the replay check refuses a webhook
taken before; `--rotate` reuses 200 CallSids as the first measurements did). Runs alternate (bare, hotline, bare,
hotline, ...) so both see the same machine noise. Usage:

    .venv/bin/python -m bench.webhooks [--modes who,first,call] [--seconds 10] [--rounds 3] [--connections 16]
                                       [--database-url postgresql://...] [--rotate] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from urllib.parse import urlsplit

import requests
from twilio.request_validator import RequestValidator

from ivr.store import db
from ivr.store.redisserver import RedisServer
from ivr.store.redisserver import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
CALLS = 200
"""Distinct calls the load rotates through (each request is signed for its own CallSid)."""
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
"""The served clock starts on a Tuesday at 10:00 in Wuppertal, so every desk is open."""
MODES = ("who", "first", "call")
LUA = """
local requests = {}
local threads = 0
setup = function(thread)  -- each of wrk's two threads takes every other request: none is sent twice
  thread:set("id", threads)
  threads = threads + 1
end
init = function(args)
  counter = id
  for line in io.lines("%s") do
    local path, body, signature = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)")
    requests[#requests + 1] = wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded",
                                                       ["X-Twilio-Signature"] = signature}, body)
  end
end
request = function()
  counter = counter + 2
  return requests[(counter %% #requests) + 1]
end
"""


def hotline_app():
    """Gunicorn entry point `bench.webhooks:hotline_app()`: the real app on a clock that starts at START."""
    from ivr import create_app

    began = time.time()
    return create_app(clock=lambda: datetime.fromtimestamp(START.timestamp() + time.time() - began, UTC))


def procfile_args(port: int, app: str) -> list[str]:
    """The Procfile's gunicorn arguments for the web process, bound to `port` and serving `app`."""
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    command = line.split("exec gunicorn", 1)[1]
    command = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command)  # the Procfile's defaults
    args = shlex.split(command)[:-1]  # the last one is the app
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    return [*args, app]


def _gunicorn(app: str, port: int, env: dict[str, str], log: Path, extra: list[str]) -> subprocess.Popen:
    with log.open("ab") as out:  # the access log goes to stdout, as in production
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", *extra, *procfile_args(port, app)], env=env,
                                   cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=out)
    deadline = time.monotonic() + 120  # a busy 2-core machine takes long to import the app
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{app} did not start (see {log})")


def _units(value: str) -> float:
    number, unit = float(re.match(r"[\d.]+", value).group()), re.sub(r"[\d.]", "", value)
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _units(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _units(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "non_2xx": int(errors.group(1)) if errors else 0}


Webhook = tuple[str, dict[str, str], int]
"""A recorded request: full URL, form, expected status."""


def record_calls(base: str, client=None) -> dict[str, list[list[Webhook]]]:
    """Walk real calls against the served hotline (or a Flask test `client`); return each mode's calls as lists
    of their webhooks."""
    from tests.support.phone import Phone

    def phone(calls: list[list[Webhook]]) -> Phone:
        hooks: list[Webhook] = []
        calls.append(hooks)
        session = requests.Session()

        def post(url, data, headers):
            if client is not None:
                answer = client.post(url, data=data, headers=headers)
                hooks.append((url, dict(data), answer.status_code))
                return answer.status_code, answer.data
            response = session.post(url, data=data, headers=headers, timeout=10)
            hooks.append((url, dict(data), response.status_code))
            return response.status_code, response.content

        return Phone(post=post, base=base, token=TOKEN, caller="+4917612345678")

    recorded: dict[str, list[list[Webhook]]] = {"who": [], "first": [], "call": []}
    transfer = phone(recorded["call"])
    transfer.call()
    transfer.press("1")  # German
    transfer.press("1")  # residence
    assert transfer.press("1").dialed, "the immigration office should be open"
    assert transfer.dial_ends("completed").hung_up
    transfer.hang_up(duration=95)
    capture = phone(recorded["call"])
    capture.call()
    capture.press("2")  # Arabic
    capture.press("1")
    capture.press("1")
    assert capture.dial_ends("busy").gather is not None  # callback offer to the caller ID
    capture.press("1")  # call back on the caller ID
    capture.press("3")  # any time
    if "s=sms" in capture.last.gather.attrib["action"]:  # a mobile number is offered the SMS: no
        capture.press("2")
    assert capture.press("2").hung_up  # no voice message
    capture.hang_up(duration=70)
    # the two single steps, taken from the transfer call: the first menu step and the "who" menu
    recorded["first"] = [[recorded["call"][0][1]]]
    recorded["who"] = [[recorded["call"][0][2]]]
    return recorded


def _script(tmp: Path, name: str, calls: list[list[Webhook]], count: int, first: int,
            base: str | None = None) -> Path:
    """A wrk script that posts every webhook of the calls, each call signed for its own CallSid, call after call.

    `count` calls from number `first` on: with the replay check a CallSid's webhooks are taken once, so each run
    needs calls of its own (--rotate reuses CALLS CallSids, as the first measurements did)."""
    validator = RequestValidator(TOKEN)
    lines = []
    for index in range(first, first + count):
        for number, hooks in enumerate(calls):
            sid = f"CA{number:x}{index:031x}"
            for url, form, _ in hooks:
                target = url if base is None else base + urlsplit(url).path + "?" + urlsplit(url).query
                parts = urlsplit(target)
                path = parts.path + ("?" + parts.query if parts.query else "")
                signed = dict(form, CallSid=sid)
                lines.append(f"{path}\t{urlencode(signed)}\t{validator.compute_signature(target, signed)}")
    data = tmp / f"{name}.tsv"
    data.write_text("\n".join(lines) + "\n")
    script = tmp / f"{name}.lua"
    script.write_text(LUA % data)
    return script


def _check(calls: list[list[Webhook]], salt: int) -> None:
    """Replay every recorded webhook once for a fresh CallSid: the answers must be what the walk got."""
    validator = RequestValidator(TOKEN)
    for number, hooks in enumerate(calls):
        for url, form, status in hooks:
            signed = dict(form, CallSid=f"CA{number:x}{salt:03x}" + "f" * 28)
            got = requests.post(url, data=signed, timeout=5,
                                headers={"X-Twilio-Signature": validator.compute_signature(url, signed)})
            assert got.status_code == status, (url, got.status_code, got.text[:300])


def _environs(calls: list[list[Webhook]], count: int, salt: int, base: str) -> list[tuple[str, dict]]:
    """WSGI environs of every webhook of `count` fresh calls, signed, labelled by call, position and key."""
    from werkzeug.test import EnvironBuilder

    validator = RequestValidator(TOKEN)
    environs = []
    for index in range(count):
        for number, hooks in enumerate(calls):
            sid = f"CA{number:x}{salt:02x}{index + 1:029x}"
            for position, (url, form, _) in enumerate(hooks):
                signed = dict(form, CallSid=sid)
                parts = urlsplit(url)
                what = form.get("Digits") or form.get("DialCallStatus") or form.get("CallStatus", "")
                environs.append((f"{number}.{position:02d} {parts.path} {what}", EnvironBuilder(
                    path=parts.path, query_string=parts.query, base_url=base, method="POST", data=urlencode(signed),
                    content_type="application/x-www-form-urlencoded",
                    headers={"X-Twilio-Signature": validator.compute_signature(url, signed)}).get_environ()))
    return environs


def _loop(app, environs: list, statuses: dict[str, int], spent: dict[str, float]):
    """A callable that sends every prepared request to the app, then waits for its background writes."""
    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    def loop():
        clock = time.thread_time  # this thread's CPU: each webhook's own share (the background threads' apart)
        for label, environ in environs:
            began = clock()
            b"".join(app.wsgi_app(environ, start_response))
            spent[label] = spent.get(label, 0.0) + clock() - began
        svc = app.extensions.get("ivr.web.voice") or app.extensions.get("ivr")  # (older code: all on "ivr")
        if svc is not None:
            if hasattr(svc.intake, "flush"):  # (older code queued in the request)
                svc.intake.flush()
            if svc.tracker is not None:
                svc.tracker.flush()

    return loop


def cpu(modes: list[str], calls: int, rounds: int, database: str | None, profile: Path | None,
        details: bool = False) -> None:
    """In-process CPU per webhook: the apps' WSGI callables called directly (no server, no wrk), the hotline's
    background threads (path tracker, job queueing) counted, since they share the process's cores; bare Flask on
    the same requests right after each hotline round."""
    import cProfile

    from bench.bare import app as bare_app

    tmp = Path(tempfile.mkdtemp(prefix="ivr-cpu-"))
    redis_server = RedisServer(directory=tmp / "redis").start()
    database = database or f"sqlite:///{tmp / 'bench.sqlite3'}"
    if database.startswith("postgresql"):
        import sqlalchemy as sa

        engine = db.make_engine(database)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    db.upgrade(database)
    (tmp / "metrics").mkdir()
    os.environ.update(TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="bench", DATABASE_URL=database, REDIS_URL=redis_server.url,
                      IVR_INSTANCE_DIR=str(tmp), IVR_LOG_FORMAT="json", IVR_FLOWS_WATCH="0",
                      PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"))
    try:
        apps = {"hotline": hotline_app(), "bare": bare_app()}
        base = "http://127.0.0.1:8000"
        recorded = record_calls(base, apps["hotline"].test_client())
        for salt, (mode, rnd) in enumerate((mode, rnd) for mode in modes for rnd in range(rounds)):
            used = {}
            for side, app in apps.items():
                environs = _environs(recorded[mode], calls, salt, base)
                statuses: dict[str, int] = {}
                spent: dict[str, float] = {}
                loop = _loop(app, environs, statuses, spent)
                cpu_before, wall_before = time.process_time(), time.perf_counter()
                if profile is not None and rnd == rounds - 1 and side == "hotline":
                    profiler = cProfile.Profile(time.process_time)
                    profiler.runcall(loop)
                    profiler.dump_stats(str(profile.with_suffix(f".{mode}.prof")))
                else:
                    loop()
                cpu_used, wall = time.process_time() - cpu_before, time.perf_counter() - wall_before
                used[side] = cpu_used / len(environs) * 1e6
                print(f"{mode:<8}{side:<9}{len(environs):>6} webhooks  CPU {used[side]:7.0f} us/webhook  "
                      f"wall {wall / len(environs) * 1e6:7.0f} us/webhook  answers {statuses}")
                if details and rnd == rounds - 1:
                    for label, seconds in sorted(spent.items()):
                        print(f"    {label:<40}{seconds / calls * 1e6:8.0f} us in the request's thread")
            print(f"{mode:<8}hotline / bare CPU per webhook: {used['hotline'] / used['bare']:.2f}x")
    finally:
        redis_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=30000,
                        help="fresh requests per run (more than a run can send: a repeated one is a replay)")
    parser.add_argument("--rotate", action="store_true", help=f"reuse {CALLS} CallSids (replays: 409 with the check)")
    parser.add_argument("--database-url", help="serve from this database (emptied first!) instead of a SQLite file")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--no-redis", action="store_true", help="serve without Redis (to see what it costs)")
    parser.add_argument("--gunicorn", default="", help="more gunicorn options for both apps, before the "
                        "Procfile's (e.g. '--threads 4': what the Procfile's sync workers cost)")
    parser.add_argument("--cpu", type=int, metavar="CALLS",
                        help="instead: CPU per webhook in this process for CALLS fresh calls per mode (no wrk)")
    parser.add_argument("--details", action="store_true", help="with --cpu: CPU of each webhook of the calls")
    parser.add_argument("--profile", type=Path, help="with --cpu: write cProfile stats to PROFILE.<mode>.prof")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    assert set(modes) <= set(MODES), f"modes are {MODES}"
    if args.cpu:
        cpu(modes, args.cpu, args.rounds, args.database_url, args.profile, args.details)
        return

    tmp = Path(tempfile.mkdtemp(prefix="ivr-bench-"))
    redis_server = RedisServer(directory=tmp / "redis").start()
    database = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    if args.database_url:
        import sqlalchemy as sa

        engine = db.make_engine(database)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    db.upgrade(database)
    (tmp / "metrics").mkdir()
    env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="bench", DATABASE_URL=database,
               REDIS_URL=redis_server.url, IVR_INSTANCE_DIR=str(tmp), PYTHONPATH=str(ROOT),
               IVR_LOG_FORMAT="json", PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"))
    if args.no_redis:
        env.pop("REDIS_URL")
    hotline_port, bare_port = free_port(), free_port()
    hotline = f"http://127.0.0.1:{hotline_port}"
    bare = f"http://127.0.0.1:{bare_port}"
    extra = shlex.split(args.gunicorn)
    servers = [_gunicorn("bench.webhooks:hotline_app()", hotline_port, env, tmp / "hotline.log", extra),
               _gunicorn("bench.bare:app()", bare_port, env, tmp / "bare.log", extra)]
    runs: dict[str, dict[str, list[dict[str, float]]]] = {}
    try:
        recorded = record_calls(hotline)
        first, bare_scripts = 1, {}

        def scripts(mode: str) -> dict[str, tuple[str, Path]]:
            nonlocal first
            per_call = sum(len(hooks) for hooks in recorded[mode])
            count = CALLS if args.rotate else -(-args.requests // per_call)
            if mode not in bare_scripts:
                bare_scripts[mode] = (bare, _script(tmp, f"bare-{mode}", recorded[mode], CALLS, 1, bare))
            made = {"bare": bare_scripts[mode],
                    "hotline": (hotline, _script(tmp, f"{mode}-{first}", recorded[mode], count, first))}
            first += 0 if args.rotate else count
            return made

        for salt, mode in enumerate(modes):
            _check(recorded[mode], salt)
            for url, script in scripts(mode).values():  # warm-up
                _wrk(url, script, 2, args.connections)
        runs = {mode: {"bare": [], "hotline": []} for mode in modes}
        for _ in range(args.rounds):
            for mode in modes:
                for side, (url, script) in scripts(mode).items():
                    runs[mode][side].append(_wrk(url, script, args.seconds, args.connections))
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)  # the Procfile's graceful timeout is 10 s
        redis_server.stop()

    report = {}
    print(f"{'mode':<8}{'side':<9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}   rounds (req/s)")
    for mode, sides in runs.items():
        summary = {side: {key: statistics.median(r[key] for r in results) for key in results[0]}
                   for side, results in sides.items()}
        for side, row in summary.items():
            rounds = " · ".join(f"{r['rps']:.0f}" for r in sides[side])
            print(f"{mode:<8}{side:<9}{row['rps']:>9.0f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
                  f"{row['non_2xx']:>9.0f}   {rounds}")
        ratio = summary["hotline"]["rps"] / summary["bare"]["rps"]
        p99_ratio = summary["hotline"]["p99_ms"] / summary["bare"]["p99_ms"]
        print(f"{mode:<8}hotline / bare throughput {ratio:.1%} (target >= 70 %), p99 {p99_ratio:.2f}x (target < 2x)")
        report[mode] = {"summary": summary, "runs": sides, "throughput_ratio": ratio, "p99_ratio": p99_ratio}
    if args.json:
        args.json.write_text(json.dumps({"modes": report, "args": vars(args) | {"json": str(args.json)}}, indent=2))


if __name__ == "__main__":
    main()
