"""Config and environment: clear file:line errors naming the key, environment overrides."""

from __future__ import annotations

import pytest
import yaml

from ivr.errors import ConfigError
from ivr.settings import ROOT
from ivr.settings import load_settings

ENV = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s"}


def _config(tmp_path, old: str, new: str):
    text = (ROOT / "config.yaml").read_text()
    assert old in text
    path = tmp_path / "config.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_shipped_config_loads():
    settings = load_settings(ENV)
    assert set(settings.desks) == {"auslaenderbehoerde", "wirtschaftliche_hilfen", "integrationszentrum", "zebera",
                                   "integration_point", "helpers", "info"}
    assert settings.config.hotline.timezone == "Europe/Berlin"
    assert settings.redis_url is None
    assert settings.database_url.startswith("sqlite:///")


@pytest.mark.parametrize(("old", "new", "key"), [
    ('number: "+492025634003"', 'number: "02025634003"', "desks.auslaenderbehoerde.number"),
    ('thu: ["08:00-18:00"]', 'thu: ["18:00-08:00"]', "desks.auslaenderbehoerde.hours"),
    ("default_language: de", "default_language: xx", "hotline.default_language"),
    ("fallback_desk: info", "fallback_desk: reception", "hotline.fallback_desk"),
    ("  timeout_seconds: 8", "  timeout_seconds: 99", "menus.timeout_seconds"),
])
def test_invalid_config_names_file_line_and_key(tmp_path, old, new, key):
    path = _config(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_settings(dict(ENV, IVR_CONFIG=str(path)))
    text = str(info.value)
    assert text.startswith(f"{path}:{_key_line(path, key)}: {key}: "), text  # the named key's line, exactly


def _key_line(path, dotted: str) -> int:
    """The line of a key in a YAML file (an alias counts where it is used), read by PyYAML's composer."""
    node = yaml.compose(path.read_text())
    line = 0
    for name in dotted.split("."):
        key, node = next((k, v) for k, v in node.value if k.value == name)
        line = key.start_mark.line + 1
    return line


def test_missing_secrets_are_named():
    with pytest.raises(ConfigError) as info:
        load_settings({})
    assert "TWILIO_AUTH_TOKEN is required" in str(info.value)
    assert "SECRET_KEY is required" in str(info.value)


def test_environment_overrides(tmp_path):
    settings = load_settings(dict(ENV, DATABASE_URL="postgresql://db/x", REDIS_URL="redis://r:6379/2",
                                  IVR_PUBLIC_URL="https://hotline.example.org/", IVR_TRUSTED_PROXIES="1"))
    assert settings.database_url == "postgresql://db/x"
    assert settings.redis_url == "redis://r:6379/2"
    assert settings.public_url == "https://hotline.example.org"
    assert settings.config.web.trusted_proxies == 1


def test_create_app_starts_without_redis(tmp_path):
    from ivr import create_app

    settings = load_settings(dict(ENV, DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
                                  REDIS_URL="redis://127.0.0.1:1/0", IVR_INSTANCE_DIR=str(tmp_path)))
    app = create_app(settings)
    health = app.test_client().get("/healthz").get_json()
    assert health["redis"] == "down"
    assert health["web"] == "ok"


@pytest.mark.parametrize(("old", "new", "line", "where"), [
    ("spec_version: 1\n", "spec_version: 1\ncolour: red\n", 5, "colour"),
    ("  name: Haus der Integration Wuppertal\n", "  name: Haus der Integration Wuppertal\n  colour: red\n", 8,
     "hotline.colour"),
])
def test_an_unknown_config_key_is_refused_at_its_line(tmp_path, old, new, line, where):
    path = _config(tmp_path, old, new)
    with pytest.raises(ConfigError) as info:
        load_settings(dict(ENV, IVR_CONFIG=str(path)))
    assert str(info.value) == f"{path}:{line}: {where}: unknown key (check its spelling and indentation)"
