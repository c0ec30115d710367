"""Config and environment: clear file:line errors naming the key, environment overrides."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from ivr.core.errors import ConfigError
from ivr.settings import ROOT
from ivr.settings import env_log_format
from ivr.settings import env_number
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


@pytest.mark.parametrize(("name", "bad", "rule"), [
    ("IVR_TRUSTED_PROXIES", "two", "a whole number, 0 or more"),
    ("IVR_TRUSTED_PROXIES", "-1", "a whole number, 0 or more"),
    ("IVR_TRUSTED_PROXIES", "\u0661", "a whole number, 0 or more"),  # an Arabic-Indic one: int() would take it
    ("IVR_FLOWS_WATCH", "inf", "a number of seconds, 0 or more"),
    ("IVR_FLOWS_WATCH", "1e3", "a number of seconds, 0 or more"),
    ("IVR_LOGIN_MAX_FAILURES", "0", "a whole number, 1 or more"),
    ("IVR_LOGIN_WINDOW_SECONDS", "15m", "a whole number, 1 or more"),
    ("IVR_LOGIN_HASH_SLOTS", "1.5", "a whole number, 1 or more"),
    ("IVR_FLOWS_WATCH", "-1", "a number of seconds, 0 or more"),
    ("IVR_LOGIN_RATE_GLOBAL", "lots", "a rate like '20 per minute'"),
    ("IVR_LOGIN_RATE_PER_ADDRESS", "20 per fortnight", "a rate like '20 per minute'"),
    ("PORT", "70000", "a whole number, from 1 to 65535"),
])
def test_a_number_in_the_environment_that_is_not_one_is_one_line(name, bad, rule):
    with pytest.raises(ConfigError) as info:
        load_settings(dict(ENV, **{name: bad}))
    assert str(info.value) == f"environment: {name} must be {rule}"


def test_numbers_in_the_environment_are_read():
    settings = load_settings(dict(ENV, IVR_TRUSTED_PROXIES=" 2 ", IVR_FLOWS_WATCH="0.5", PORT="8080"))
    assert settings.config.web.trusted_proxies == 2
    assert env_number({"IVR_FLOWS_WATCH": "0.5"}, "IVR_FLOWS_WATCH") == 0.5
    assert env_number({}, "PORT", 5000) == 5000
    with pytest.raises(ConfigError) as info:
        load_settings({"IVR_LOGIN_HASH_SLOTS": "x"})  # every problem at once, each on its line
    assert str(info.value).splitlines() == ["environment: IVR_LOGIN_HASH_SLOTS must be a whole number, 1 or more",
                                            "environment: TWILIO_AUTH_TOKEN is required but not set",
                                            "environment: SECRET_KEY is required but not set"]


@pytest.mark.parametrize("url", ["notaurl", "mssqlx://host/db", "sqlite//x"])
def test_a_database_url_sqlalchemy_cannot_read_is_refused_without_repeating_it(url):
    with pytest.raises(ConfigError) as info:
        load_settings(dict(ENV, DATABASE_URL=url))
    assert str(info.value) == ("environment: DATABASE_URL is not a database URL: use sqlite:///path/ivr.sqlite3 or "
                               "postgresql://user@host/dbname")


@pytest.mark.parametrize("url", ["postgres://u:p@db/hotline", "postgresql://u@db/hotline", "sqlite:///x.db"])
def test_the_database_urls_the_store_takes_are_accepted(url):
    assert load_settings(dict(ENV, DATABASE_URL=url)).database_url == url


@pytest.mark.parametrize("url", ["localhost:6379", "http://redis:6379", "redis:/x"])
def test_a_redis_url_of_another_form_is_refused(url):
    with pytest.raises(ConfigError) as info:
        load_settings(dict(ENV, REDIS_URL=url))
    assert str(info.value) == ("environment: REDIS_URL is not a Redis URL: use redis://host:6379/0, rediss://…, "
                               "unix://… or redis+sentinel://host:26379/mymaster/0")


@pytest.mark.parametrize("url", ["redis://h:6379/0", "rediss://h/1", "unix:///run/redis.sock",
                                 "redis+sentinel://h1:26379,h2:26379/mymaster/0"])
def test_the_redis_urls_the_store_takes_are_accepted(url):
    assert load_settings(dict(ENV, REDIS_URL=url)).redis_url == url


def test_tuning_from_the_environment_has_todays_defaults():
    settings = load_settings(dict(ENV, IVR_LOG_FORMAT="", IVR_PUBLISHED_BY="", IVR_LOGIN_RATE_GLOBAL=" "))
    assert (settings.log_format, settings.flows_watch_seconds, settings.published_by) == ("plain", 2.0, None)
    assert (settings.login_rate_per_address, settings.login_rate_global) == ("20 per minute", "60 per minute")
    assert (settings.login_max_failures, settings.login_window_seconds, settings.login_hash_slots) == (5, 900, 1)


def test_tuning_from_the_environment_is_read():
    settings = load_settings(dict(ENV, IVR_LOG_FORMAT="json", IVR_FLOWS_WATCH="0", IVR_PUBLISHED_BY="olga",
                                  IVR_LOGIN_RATE_PER_ADDRESS=" 3 per second ", IVR_LOGIN_RATE_GLOBAL="100/hour",
                                  IVR_LOGIN_MAX_FAILURES="7", IVR_LOGIN_WINDOW_SECONDS="60", IVR_LOGIN_HASH_SLOTS="4"))
    assert (settings.log_format, settings.flows_watch_seconds, settings.published_by) == ("json", 0.0, "olga")
    assert (settings.login_rate_per_address, settings.login_rate_global) == ("3 per second", "100/hour")
    assert (settings.login_max_failures, settings.login_window_seconds, settings.login_hash_slots) == (7, 60, 4)
    assert isinstance(settings.login_max_failures, int)


@pytest.mark.parametrize(("value", "expected"), [("json", "json"), ("JSON", "plain"), ("text", "plain"),
                                                 (None, "plain")])
def test_the_log_format_before_settings_exist_is_read_the_same_way(monkeypatch, value, expected):
    env = {} if value is None else {"IVR_LOG_FORMAT": value}
    assert env_log_format(env) == expected == load_settings(dict(ENV, **env)).log_format
    if value is None:
        monkeypatch.delenv("IVR_LOG_FORMAT", raising=False)
    else:
        monkeypatch.setenv("IVR_LOG_FORMAT", value)
    assert env_log_format() == expected  # gunicorn's logger class and logs.install() at process start


def test_a_port_that_is_not_a_number_stops_ivr_dev_in_one_line(tmp_path):
    env = dict(os.environ, PORT="abc", IVR_INSTANCE_DIR=str(tmp_path))
    assert subprocess.run([sys.executable, "-m", "ivr", "--help"], env=env, capture_output=True).returncode == 0
    run = subprocess.run([sys.executable, "-m", "ivr", "dev"], env=env, capture_output=True, text=True)
    assert (run.returncode, run.stderr) == (1, "Error: environment: PORT must be a whole number, from 1 to 65535\n")


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


def test_desks_are_dialled_with_the_queue_defaults_unless_configured():
    desks = load_settings(ENV).desks
    assert {k for k, desk in desks.items() if desk.connect == "queue"} == {"info", "helpers"}  # the shipped config
    assert {desk.connect for k, desk in desks.items() if k not in ("info", "helpers")} == {"dial"}
    info = desks["info"]
    assert (info.max_wait, info.wrap_up_seconds, info.language_fallback_seconds) == (600, 60, 60)


def test_queue_settings_of_a_desk_are_read(tmp_path):
    path = _config(tmp_path, "    callback_promise_hours: 8\n    connect: queue\n", "    callback_promise_hours: 8\n"
                   "    connect: dial\n    max_wait: 300\n    wrap_up_seconds: 30\n    language_fallback_seconds: 90\n")
    info = load_settings(dict(ENV, IVR_CONFIG=str(path))).desks["info"]
    assert (info.connect, info.max_wait, info.wrap_up_seconds, info.language_fallback_seconds) == ("dial", 300, 30, 90)


@pytest.mark.parametrize(("value", "key", "message"), [
    ("connect: phone", "connect", "Input should be 'dial' or 'queue'"),
    ("max_wait: 0", "max_wait", "Input should be greater than or equal to 30"),
    ("max_wait: 86400", "max_wait", "Input should be less than or equal to 3600"),
    ("wrap_up_seconds: -5", "wrap_up_seconds", "Input should be greater than or equal to 1"),
    ("wrap_up_seconds: soon", "wrap_up_seconds", "Input should be a valid integer"),
    ("language_fallback_seconds: 0", "language_fallback_seconds", "Input should be greater than or equal to 1"),
])
def test_a_bad_queue_setting_of_a_desk_is_refused_at_its_line(tmp_path, value, key, message):
    lines = "    callback_promise_hours: 8\n    connect: queue\n"  # the information desk's last lines
    changed = lines.replace("connect: queue", value) if key == "connect" else f"{lines}    {value}\n"
    path = _config(tmp_path, lines, changed)
    with pytest.raises(ConfigError) as info:
        load_settings(dict(ENV, IVR_CONFIG=str(path)))
    where = f"desks.info.{key}"
    assert str(info.value).startswith(f"{path}:{_key_line(path, where)}: {where}: {message}"), str(info.value)
