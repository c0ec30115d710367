"""`ivr dev`: the whole hotline on one machine — private Redis, migrations, worker and web; and `./dev ivr`."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click

from ivr import gunicorn_logging
from ivr.cli.context import DEV_SECRET_NAMES
from ivr.cli.context import DEV_SECRETS
from ivr.cli.main import main
from ivr.core.errors import ConfigError
from ivr.settings import check_env_numbers
from ivr.settings import env_number
from ivr.settings import locate
from ivr.store.redisserver import RedisServer


def _folder(path: Path, what: str) -> Path:
    """Create a folder the service writes to, or stop the start with one clear line."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot create the {what} {path}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise click.ClickException(f"the {what} {path} is not writable")
    return path


def _metrics_folder(path: Path) -> Path:
    """Create the multiprocess metrics folder, emptied of a previous run's files (their processes are gone)."""
    _folder(path, "metrics folder (PROMETHEUS_MULTIPROC_DIR)")
    try:
        for stale in path.glob("*.db"):
            stale.unlink()
    except OSError as exc:
        raise click.ClickException(f"cannot empty the metrics folder {path}: {exc.strerror or exc}") from None
    return path


def _loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1 and localhost: nothing but this machine can reach the server."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port_free(host: str, port: int) -> None:
    """Stop with one line when the port is taken (instead of gunicorn's retries and a traceback)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc} "
                                       "(choose another with PORT=... or --port)") from None


def _dev_secrets(instance: Path) -> dict[str, str]:
    """Load or create the development secrets (never used in production: the environment wins); every `ivr`
    command but the worker takes them from here when the environment has none (ivr.cli.context)."""
    path = instance / DEV_SECRETS
    if path.exists():
        return json.loads(path.read_text())
    values = {name: secrets.token_urlsafe(24) for name in DEV_SECRET_NAMES}
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def _env_port() -> int:
    """PORT or 5000, read when `ivr dev` runs (a bad PORT once broke every `ivr` command with a traceback)."""
    try:
        return int(env_number(os.environ, "PORT", 5000) or 5000)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--port", type=int, default=_env_port, show_default="PORT or 5000")
@click.option("--host", default="127.0.0.1", show_default=True)
def dev(port: int, host: str) -> None:
    """Run web, worker and a private Redis together on the embedded defaults."""
    instance = _folder(Path(locate().instance_dir), "instance folder")
    _port_free(host, port)
    env = dict(os.environ)
    problems = check_env_numbers(env)  # one line each here, not a traceback from every child
    if problems:
        raise click.ClickException("\n".join(map(str, problems)))
    for name, value in _dev_secrets(instance).items():
        env.setdefault(name, value)
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(instance / "metrics"))  # /metrics sums both web workers
    _metrics_folder(Path(env["PROMETHEUS_MULTIPROC_DIR"]))
    # Plain http on this machine only: the session cookie drops its Secure flag so staff can log in from any
    # browser or HTTP client here; bound to another address it stays Secure (use TLS there).
    factory = "ivr:create_app(SESSION_COOKIE_SECURE=False)" if _loopback(host) else "ivr:create_app()"
    # Ctrl-C and SIGTERM end every child and Redis, even when started where SIGINT was ignored (a script's `&`)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    redis_server = None
    if not env.get("REDIS_URL"):
        try:
            redis_server = RedisServer(directory=_folder(instance / "redis", "Redis folder"), detached=True).start()
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
        env["REDIS_URL"] = redis_server.url
    children: list[subprocess.Popen] = []
    try:
        if subprocess.run([sys.executable, "-m", "ivr", "db", "upgrade"], env=env).returncode:
            raise click.ClickException("the database migration failed; see its output above")
        base = f"http://{host}:{port}"
        # the worker rings offered people with webhook URLs; it has no request to learn the address from, so it
        # gets the one the web answers at here (the web itself keeps deriving it from each request)
        children.append(subprocess.Popen([sys.executable, "-m", "ivr", "worker"],
                                         env={"IVR_PUBLIC_URL": base, **env}))
        children.append(subprocess.Popen(
            [sys.executable, "-m", *gunicorn_logging.command(factory, f"{host}:{port}")], env=env))
        click.echo(f"""
  Hotline running.
    Voice URL (Twilio number, "A call comes in"):  {base}/voice/incoming
    Status callback URL:                            {base}/voice/status
    Fallback URL:                                   {base}/voice/fallback
    Health:                                         {base}/healthz
    Staff workbench:                                {base}/login  (add yourself: ./dev ivr users create --help)
    Redis:                                          {env['REDIS_URL']}
  Development secrets are in {instance / DEV_SECRETS} (TWILIO_AUTH_TOKEN must match your Twilio account
  to take real calls; set it in the environment); `ivr` commands here use them when the environment has none.
  Try the menu without a phone: ivr simulate
  Stop with Ctrl-C.
""")
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


def quickstart_command(argv: list[str]) -> None:
    """`./dev ivr ARGS`: an `ivr` command against the quick start's instance, with its development secrets."""
    instance = Path(locate().instance_dir)
    if not (instance / DEV_SECRETS).exists():
        sys.exit(f"no {instance / DEV_SECRETS} yet: start the quick start once with ./dev run")
    env = dict(os.environ, IVR_INSTANCE_DIR=str(instance))
    for name, value in _dev_secrets(instance).items():
        env.setdefault(name, value)
    os.execve(sys.executable, [sys.executable, "-m", "ivr", *argv], env)

