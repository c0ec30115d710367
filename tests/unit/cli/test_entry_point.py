"""The real `ivr` entry point in a process of its own: the development secrets `ivr dev` wrote are found when the
environment has none, and a missing or wrong setting is one `Error:` line naming it, never a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ivr.settings import DEFAULT_CONFIG

IVR = str(Path(sys.executable).parent / "ivr")
_OWN = ("TWILIO_", "SECRET_KEY", "IVR_", "DATABASE_URL", "REDIS_URL", "PORT")


@pytest.fixture
def run(tmp_path):
    """`run(*args, **env)`: `ivr ARGS` with an environment of no hotline settings but an empty instance folder."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_OWN)}
    clean["IVR_INSTANCE_DIR"] = str(tmp_path)

    def ivr(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([IVR, *args], env={**clean, **env}, capture_output=True, text=True, timeout=120)

    return ivr


def _dev_secrets(folder: Path) -> Path:
    path = folder / "dev-secrets.json"
    path.write_text(json.dumps({"TWILIO_AUTH_TOKEN": "dev-token", "SECRET_KEY": "dev-secret-key",
                                "IVR_API_TOKEN": "dev-api-token"}))
    return path


def test_a_missing_secret_is_one_line_naming_it_and_where_dev_secrets_go(run, tmp_path):
    result = run("users", "list", SECRET_KEY="set")
    assert result.returncode == 2
    assert result.stderr == ("Error: TWILIO_AUTH_TOKEN is not set (the auth token of the Twilio account; ./dev run "
                             f"writes development secrets into {tmp_path / 'dev-secrets.json'})\n")
    both = run("callbacks", "list")
    assert both.returncode == 2
    assert [line.split(" is not set")[0] for line in both.stderr.splitlines()] == ["Error: TWILIO_AUTH_TOKEN",
                                                                                   "SECRET_KEY"]


def test_the_development_secrets_ivr_dev_wrote_are_found(run, tmp_path):
    path = _dev_secrets(tmp_path)
    assert run("db", "upgrade").returncode == 0
    created = run("users", "create", "anna", "--password", "a long password 1")
    assert created.returncode == 0, created.stderr
    assert created.stderr == f"using development secrets from {path}\n"
    listed = run("users", "list")
    assert listed.returncode == 0 and listed.stdout.startswith("anna\tstaff\t")
    own = run("users", "list", TWILIO_AUTH_TOKEN="own", SECRET_KEY="own key")  # the environment wins: no note
    assert own.returncode == 0 and own.stderr == ""


def test_the_worker_takes_its_secrets_from_the_environment_only(run, tmp_path):
    _dev_secrets(tmp_path)
    result = run("worker", "--burst")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: TWILIO_AUTH_TOKEN is not set (the auth token of the Twilio account; a "
                                    "service takes it from the environment only)\n")


def test_unreadable_development_secrets_are_one_line(run, tmp_path):
    (tmp_path / "dev-secrets.json").write_text("{not json")
    result = run("users", "list")
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: cannot read the development secrets {tmp_path / 'dev-secrets.json'}: ")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("url", ["notaurl", "postgre://user@host/db", "nosuchdb:///x"])
@pytest.mark.parametrize("command", [("users", "list"), ("db", "upgrade")])
def test_a_malformed_database_url_is_one_line(run, url, command):
    result = run(*command, DATABASE_URL=url, TWILIO_AUTH_TOKEN="t", SECRET_KEY="s")
    assert result.returncode == 2
    assert result.stderr == ("Error: DATABASE_URL is not a database URL: use sqlite:///path/ivr.sqlite3 or "
                             "postgresql://user@host/dbname\n")


def test_an_unreachable_database_is_one_line_without_its_password(run):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = run("users", "list", DATABASE_URL=f"postgresql://hotline:hunter2@127.0.0.1:{port}/hotline",
                 TWILIO_AUTH_TOKEN="t", SECRET_KEY="s")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"Error: cannot use the database of DATABASE_URL (postgresql://hotline:***@127.0.0.1:{port}/hotline): ")
    assert len(result.stderr.splitlines()) == 1 and "hunter2" not in result.stderr


def test_a_database_without_tables_says_to_upgrade(run, tmp_path):
    _dev_secrets(tmp_path)
    result = run("users", "list")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (f"Error: cannot use the database of DATABASE_URL (sqlite:///{tmp_path}"
                                              "/ivr.sqlite3): no such table: users (run `ivr db upgrade`)")


def test_a_bad_number_in_the_config_is_one_line_with_file_and_line(run, tmp_path):
    config = tmp_path / "config.yaml"
    lines = DEFAULT_CONFIG.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("  max_attempts: "))
    lines[line - 1] = "  max_attempts: many"
    config.write_text("\n".join(lines) + "\n")
    result = run("users", "list", IVR_CONFIG=str(config), TWILIO_AUTH_TOKEN="t", SECRET_KEY="s")
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {config}:{line}: callbacks.max_attempts: ")
    assert len(result.stderr.splitlines()) == 1


def test_a_bad_number_in_the_environment_is_one_line_naming_it(run):
    result = run("callbacks", "list", IVR_TRUSTED_PROXIES="many", TWILIO_AUTH_TOKEN="t", SECRET_KEY="s")
    assert result.returncode == 2
    assert result.stderr == "Error: IVR_TRUSTED_PROXIES must be a whole number, 0 or more\n"


def test_a_malformed_redis_url_is_one_line_and_an_unreachable_one_too(run):
    secrets = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s"}
    malformed = run("jobs", "failed", REDIS_URL="localhost:6379", **secrets)
    assert malformed.returncode == 2
    assert malformed.stderr == ("Error: REDIS_URL is not a Redis URL: use redis://host:6379/0, rediss://…, unix://… "
                                "or redis+sentinel://host:26379/mymaster/0\n")
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    unreachable = run("jobs", "failed", REDIS_URL=f"redis://127.0.0.1:{port}/0", **secrets)
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("Error: cannot reach Redis at REDIS_URL: ")
    assert len(unreachable.stderr.splitlines()) == 1
