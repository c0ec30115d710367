"""`ivr dev` and `./dev ivr`: clear one-line refusals before anything starts."""

from __future__ import annotations

import socket

import pytest

from ivr.cli import dev


def test_a_taken_port_is_one_error_line(cli, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("dev", "--port", str(port), IVR_INSTANCE_DIR=str(tmp_path / "instance"))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot listen on 127.0.0.1:{port}: ")
    assert "choose another with PORT=... or --port" in result.output


def test_a_bad_port_variable_is_one_error_line(cli):
    result = cli("dev", PORT="eighty")
    assert result.exit_code != 0 and "PORT must be a whole number, from 1 to 65535" in result.output
    assert "Traceback" not in result.output


def test_dev_ivr_needs_the_quick_starts_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("IVR_INSTANCE_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as stopped:
        dev.quickstart_command(["users", "list"])
    assert str(stopped.value) == f"no {tmp_path / 'dev-secrets.json'} yet: start the quick start once with ./dev run"


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                                ("0.0.0.0", False), ("hotline.example", False)])
def test_only_loopback_counts_as_this_machine(host, loopback):
    assert dev._loopback(host) is loopback
