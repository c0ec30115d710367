"""CPU cost of the /metrics hooks per menu-step webhook: hooks on and off, alternating, in one process.

CPU time (not wall time) so that other processes on the machine do not blur a difference of microseconds.
Set PROMETHEUS_MULTIPROC_DIR (an empty folder) and/or IVR_LOG_FORMAT=json to measure those modes. Usage:

    .venv/bin/python -m bench.metrics_overhead [--requests 1000] [--rounds 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from twilio.request_validator import RequestValidator

from ivr import create_app
from ivr.settings import load_settings
from ivr.store import db
from ivr.store.redisserver import RedisServer
from ivr.web import metrics

TOKEN = "bench-token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ivr-metrics-bench-"))
    redis_server = RedisServer(directory=tmp / "redis").start()
    database = f"sqlite:///{tmp / 'bench.sqlite3'}"
    db.upgrade(database)
    env = dict(os.environ, TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="bench", DATABASE_URL=database,
               REDIS_URL=redis_server.url, IVR_INSTANCE_DIR=str(tmp))
    try:
        app = create_app(load_settings(env))
        client = app.test_client()
        version = app.extensions["ivr"].store.current.version
        params = {"CallSid": "CA" + "b" * 32, "AccountSid": "AC" + "0" * 32, "From": "+4917612345678",
                  "To": "+4920274763333", "CallStatus": "in-progress", "Digits": "1"}
        path = f"/voice/step?v={version}&f=hotline&n=who&l=de"
        headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature("http://localhost" + path,
                                                                                   params)}

        def run(n: int) -> float:
            start = time.process_time()
            for _ in range(n):
                response = client.post(path, data=params, headers=headers)
            assert response.status_code == 200 and b"<Gather" in response.data
            return (time.process_time() - start) / n * 1e6

        before, after = app.before_request_funcs[None], app.after_request_funcs[None]
        run(300)  # warm-up
        on, off = [], []
        for _ in range(args.rounds):
            on.append(run(args.requests))
            before.remove(metrics._started)
            after.remove(metrics._finished)
            off.append(run(args.requests))
            before.append(metrics._started)
            after.append(metrics._finished)
    finally:
        redis_server.stop()
    with_hooks, without = statistics.median(on), statistics.median(off)
    print(f"multiprocess={bool(os.environ.get(metrics.MULTIPROC_ENV))}",
          f"log_format={os.environ.get('IVR_LOG_FORMAT')}")
    print(f"CPU per menu step: with metrics {with_hooks:.0f} us, without {without:.0f} us, "
          f"overhead {with_hooks - without:.1f} us ({with_hooks / without - 1:.1%})")


if __name__ == "__main__":
    main()
