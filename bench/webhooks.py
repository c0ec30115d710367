"""Webhook load benchmark: signed menu-step webhooks against the hotline vs a bare Flask endpoint.

Both run under gunicorn with the same settings; wrk posts from a second process on loopback. Runs alternate
(bare, hotline, bare, hotline, ...) so both see the same machine noise. Usage:

    .venv/bin/python -m bench.webhooks [--seconds 10] [--rounds 3] [--workers 2] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import requests
from twilio.request_validator import RequestValidator

from ivr import db
from ivr.redisserver import RedisServer
from ivr.redisserver import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
CALLS = 200
"""Distinct calls the load rotates through (each request is signed for its own CallSid)."""
LUA = """
local variants = {{
{variants}
}}
local requests = {{}}
local counter = 0
init = function(args)
  for i, v in ipairs(variants) do
    requests[i] = wrk.format("POST", nil, {{["Content-Type"] = "application/x-www-form-urlencoded",
                                           ["X-Twilio-Signature"] = v[2]}}, v[1])
  end
end
request = function()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end
"""


def _gunicorn(app: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--timeout", "15", "--access-logfile", "/dev/null", "--error-logfile", "/dev/null", app],
        env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{app} did not start")


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


def _script(tmp: Path, name: str, url: str, params: dict[str, str]) -> Path:
    validator = RequestValidator(TOKEN)
    variants = []
    for index in range(CALLS):
        form = dict(params, CallSid=f"CA{index:032x}")
        variants.append(f'  {{"{urlencode(form)}", "{validator.compute_signature(url, form)}"}},')
    path = tmp / f"{name}.lua"
    path.write_text(LUA.format(variants="\n".join(variants)))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--no-redis", action="store_true", help="serve without Redis (to see what it costs)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="ivr-bench-"))
    redis_server = RedisServer(directory=tmp / "redis").start()
    database = f"sqlite:///{tmp / 'bench.sqlite3'}"
    db.upgrade(database)
    env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="bench", DATABASE_URL=database,
               REDIS_URL=redis_server.url, IVR_INSTANCE_DIR=str(tmp), PYTHONPATH=str(ROOT))
    if args.no_redis:
        env.pop("REDIS_URL")
    hotline_port, bare_port = free_port(), free_port()
    servers = [_gunicorn("ivr:create_app()", hotline_port, args.workers, env),
               _gunicorn("bench.bare:app()", bare_port, args.workers, env)]
    try:
        from ivr.flowstore import FlowStore
        from ivr.settings import load_settings

        version = FlowStore(load_settings(env)).current.version
        params = {"CallSid": "CA" + "b" * 32, "AccountSid": "AC" + "0" * 32, "From": "+4917612345678",
                  "To": "+4920274763333", "CallStatus": "in-progress", "Digits": "1"}
        step_url = f"http://127.0.0.1:{hotline_port}/voice/step?v={version}&f=hotline&n=who&l=de"
        bare_url = f"http://127.0.0.1:{bare_port}/voice/step"
        targets = {"bare": (bare_url, _script(tmp, "bare", bare_url, params)),
                   "menu_step": (step_url, _script(tmp, "step", step_url, params))}
        check = requests.post(step_url, data=params, headers={
            "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(step_url, params)}, timeout=5)
        assert check.status_code == 200 and b"<Gather" in check.content, check.text
        for url, script in targets.values():  # warm-up
            _wrk(url, script, 2, args.connections)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (url, script) in targets.items():
                runs[name].append(_wrk(url, script, args.seconds, args.connections))
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        redis_server.stop()

    summary = {name: {key: statistics.median(r[key] for r in results) for key in results[0]}
               for name, results in runs.items()}
    ratio = summary["menu_step"]["rps"] / summary["bare"]["rps"]
    p99_ratio = summary["menu_step"]["p99_ms"] / summary["bare"]["p99_ms"]
    print(f"{'endpoint':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, row in summary.items():
        print(f"{name:<12}{row['rps']:>10.0f}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}{row['non_2xx']:>10.0f}")
    print(f"menu step / bare throughput: {ratio:.0%} (target >= 70%)   p99 ratio: {p99_ratio:.2f}x (target < 2x)")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": runs, "throughput_ratio": ratio,
                                         "p99_ratio": p99_ratio, "args": vars(args) | {"json": str(args.json)}},
                                        indent=2))


if __name__ == "__main__":
    main()
