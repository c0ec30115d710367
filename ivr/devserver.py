"""`ivr dev`: the whole hotline on one machine — private Redis, migrations, worker and web."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from ivr import gunicorn_logging
from ivr.redisserver import RedisServer
from ivr.settings import ROOT


def _dev_secrets(instance: Path) -> dict[str, str]:
    """Load or create the development secrets (never used in production: the environment wins)."""
    path = instance / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    instance.mkdir(parents=True, exist_ok=True)
    values = {name: secrets.token_urlsafe(24) for name in ("TWILIO_AUTH_TOKEN", "SECRET_KEY", "IVR_API_TOKEN")}
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


@click.command()
@click.option("--port", default=int(os.environ.get("PORT", "5000")), show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def dev(port: int, host: str) -> None:
    """Run web, worker and a private Redis together on the embedded defaults."""
    instance = Path(os.environ.get("IVR_INSTANCE_DIR") or ROOT / "instance")
    env = dict(os.environ)
    for name, value in _dev_secrets(instance).items():
        env.setdefault(name, value)
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(instance / "metrics"))  # /metrics sums both web workers
    redis_server = None
    if not env.get("REDIS_URL"):
        redis_server = RedisServer(directory=instance / "redis").start()
        env["REDIS_URL"] = redis_server.url
    children: list[subprocess.Popen] = []
    try:
        subprocess.run([sys.executable, "-m", "ivr", "db", "upgrade"], env=env, check=True)
        children.append(subprocess.Popen([sys.executable, "-m", "ivr", "worker"], env=env))
        children.append(subprocess.Popen(
            [sys.executable, "-m", *gunicorn_logging.command("ivr:create_app()", f"{host}:{port}")], env=env))
        base = f"http://{host}:{port}"
        click.echo(f"""
  Hotline running.
    Voice URL (Twilio number, "A call comes in"):  {base}/voice/incoming
    Status callback URL:                            {base}/voice/status
    Fallback URL:                                   {base}/voice/fallback
    Health:                                         {base}/healthz
    Redis:                                          {env['REDIS_URL']}
  Development secrets are in {instance / 'dev-secrets.json'} (TWILIO_AUTH_TOKEN must match your Twilio account
  to take real calls; set it in the environment). Try the menu without a phone: ivr simulate
  Stop with Ctrl-C.
""")
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        raise click.ClickException("a child process stopped; see its output above")
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis_server:
            redis_server.stop()
