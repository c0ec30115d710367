"""The root group: one lazily built context (no flows for commands that need none), settings errors as one line."""

from __future__ import annotations

import importlib
import pkgutil

import ivr.cli
from ivr.cli.main import main


def _broken_flows(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "hotline.yaml").write_text("version: 1\nid: hotline\nstart: nowhere\nnodes: {}\n")
    return str(flows)


def test_users_commands_work_while_a_flow_file_is_invalid(cli, tmp_path):
    flows = _broken_flows(tmp_path)
    created = cli("users", "create", "anna", "--password", "a long password 1", IVR_FLOWS_DIR=flows)
    assert created.exit_code == 0, created.output
    listed = cli("users", "list", IVR_FLOWS_DIR=flows)
    assert listed.exit_code == 0 and listed.output.startswith("anna\tstaff\t")
    checked = cli("flows", "check", IVR_FLOWS_DIR=flows)  # the flows are broken indeed
    assert checked.exit_code == 1 and "spec_version must be 1" in checked.output
    exported = cli("fallback", "export", str(tmp_path / "out"), IVR_FLOWS_DIR=flows)  # this one loads them
    assert exported.exit_code == 1
    assert exported.output.startswith("Error: the flows have errors (`ivr flows check` lists them):\n")


def test_a_missing_secret_is_one_error_line_naming_it_and_exit_2(cli, settings):
    dev_secrets = f"./dev run writes development secrets into {settings.instance_dir}/dev-secrets.json"
    result = cli("users", "list", TWILIO_AUTH_TOKEN=None)
    assert result.exit_code == 2
    twilio = f"TWILIO_AUTH_TOKEN is not set (the auth token of the Twilio account; {dev_secrets})"
    assert result.output == f"Error: {twilio}\n"
    both = cli("users", "list", TWILIO_AUTH_TOKEN=None, SECRET_KEY="")
    assert both.exit_code == 2
    assert both.output.splitlines() == [
        f"Error: {twilio}",
        f"SECRET_KEY is not set (a long random string that signs staff sessions and encrypts call state; "
        f"{dev_secrets})"]


def test_an_invalid_number_setting_is_one_error_line(cli):
    result = cli("callbacks", "list", IVR_TRUSTED_PROXIES="many")
    assert result.exit_code == 2
    assert result.output == ("Error: IVR_TRUSTED_PROXIES must be a whole number, 0 or more\n")


def test_an_invalid_config_names_file_and_line(cli, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("spec_version: 1\nhotline: {name: x, number: '+49202', timezone: Europe/Berlin}\n")
    result = cli("users", "list", IVR_CONFIG=str(config))
    assert result.exit_code == 2 and result.output.startswith(f"Error: {config}:")
    assert "Traceback" not in result.output


def test_every_command_module_registers_on_the_one_root_group():
    modules = [m.name for m in pkgutil.iter_modules(ivr.cli.__path__) if m.name not in ("main", "context")]
    for name in modules:
        module = importlib.import_module(f"ivr.cli.{name}")
        commands = [v for v in vars(module).values() if getattr(v, "name", None) in main.commands
                    and main.commands[v.name] is v]
        assert commands, f"ivr.cli.{name} adds no command to `ivr`"
    assert {"users", "jobs", "privacy", "api-clients", "retention", "closure", "announcement", "callbacks", "db",
            "worker", "dev", "flows", "simulate", "fallback"} <= set(main.commands)
