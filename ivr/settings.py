"""Load config.yaml and the environment into one frozen Settings object, shared by web and worker."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Literal

from limits import parse as parse_rate
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError
from pydantic import field_validator

from ivr.core.errors import ConfigError
from ivr.core.yamldoc import Document
from ivr.core.yamldoc import Problem
from ivr.core.yamldoc import YamlSyntaxError
from ivr.core.yamldoc import finding
from ivr.core.yamldoc import load as load_yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.yaml"
"""The shipped config; IVR_CONFIG points elsewhere."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_WINDOW_ID = re.compile(r"^[a-z][a-z0-9_]{0,15}$")  # callbacks.window is 16 characters
LogFormat = Literal["plain", "json"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hotline(_Model):
    name: str
    number: str
    timezone: str = "Europe/Berlin"
    default_language: str = "de"
    fallback_desk: str = "info"
    overflow_number: str | None = None


class Privacy(_Model):
    controller: str
    url: str


class Language(_Model):
    name: str
    voice: str | None = None
    tts_language: str
    tts_opt_in: bool = True

    @property
    def uses_tts(self) -> bool:
        """True when prompts are spoken by Twilio, False when recorded audio is played."""
        return bool(self.voice) and self.tts_opt_in


def _check_hours(value: dict[str, list[str]], what: str) -> dict[str, list[str]]:
    for day, ranges in value.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}; use one of {', '.join(WEEKDAYS)}")
        for item in ranges:
            match = _RANGE.match(item)
            if not match or item[:5] >= item[6:]:
                raise ValueError(f"{what} {item!r} must look like 08:00-16:00")
    return value


class DeskWindow(_Model):
    """A desk's own callback window (e.g. Thursday evening): the key that chooses it and its weekly hours."""

    digit: Literal[1, 2]  # 3 stays "any time"
    hours: dict[str, list[str]]
    name: dict[str, str] = Field(default_factory=dict)  # language -> how the window is named

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not any(value.values()):
            raise ValueError("a window needs hours")
        return _check_hours(value, "window hours")


class Desk(_Model):
    name: dict[str, str]
    body: Literal["stadt", "jobcenter", "ba"]
    number: str
    hours: dict[str, list[str]]
    callback_promise_hours: int = Field(ge=1, le=500)
    connect: Literal["dial", "queue"] = "dial"  # dial: the desk's number; queue: the desk's live queue
    max_wait: int = Field(default=600, ge=30, le=3600)  # seconds a caller waits in the queue at most
    wrap_up_seconds: int = Field(default=60, ge=1, le=900)  # after a call, then available again
    language_fallback_seconds: int = Field(default=60, ge=1, le=3600)  # then any available person is offered
    attempts: int | None = Field(default=None, ge=1, le=20)  # callback attempts; None: callbacks.max_attempts
    attempt_spacing_minutes: int | None = Field(default=None, ge=1)  # service minutes apart; None: the house's
    windows: dict[str, DeskWindow] = Field(default_factory=dict)  # own callback windows, by id (keys 1 and 2)

    @field_validator("number")
    @classmethod
    def _e164(cls, value: str) -> str:
        if not _E164.match(value):
            raise ValueError(f"transfer number {value!r} is not in E.164 form (+49...)")
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check_hours(value, "office hours")

    @field_validator("windows")
    @classmethod
    def _windows(cls, value: dict[str, DeskWindow]) -> dict[str, DeskWindow]:
        digits = [w.digit for w in value.values()]
        if len(digits) != len(set(digits)):
            raise ValueError("two windows share a key; keys 1 and 2 each choose one window")
        for window_id in value:
            if not _WINDOW_ID.match(window_id) or window_id == "any":
                raise ValueError(f"window id {window_id!r}: lower-case letters, digits and _ (at most 16), not 'any'")
        return value


class HolidaySource(_Model):
    country: str = "DE"
    subdivision: str | None = "NW"


class ClosureDay(_Model):
    date: str = Field(pattern=r"^(\d{4}-)?\d{2}-\d{2}$")
    reason: str
    from_: str | None = Field(default=None, alias="from", pattern=r"^\d{2}:\d{2}$")


class Callbacks(_Model):
    max_entry_attempts: int = Field(default=3, ge=1, le=5)
    recording_max_seconds: int = Field(default=60, ge=5, le=300)
    attempt_spacing_minutes: int = Field(default=120, ge=1)
    max_attempts: int = Field(default=3, ge=1, le=20)
    claim_expiry_minutes: int = Field(default=120, ge=10, le=1440)
    per_number_daily_limit: int = Field(default=5, ge=1)
    allowed_countries: list[str] = Field(default_factory=lambda: ["DE"])


class Sms(_Model):
    """Callers' SMS (confirmation, not reached, answers to replies): who sends, how many, whom we answer."""

    messaging_service_sid: str | None = Field(default=None, pattern=r"^MG[0-9a-f]{32}$")
    sender: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")  # else the hotline's number
    per_number_daily_limit: int = Field(default=3, ge=1, le=20)  # SMS to one number in 24 hours at most
    neutral_answer: bool = True  # a reply from a number without an open callback gets one neutral answer
    answer_interval_minutes: int = Field(default=60, ge=1)  # at most one answer to a number's replies this often


class Menus(_Model):
    timeout_seconds: int = Field(default=8, ge=3, le=30)
    max_retries: int = Field(default=2, ge=1, le=5)


class Dial(_Model):
    timeout_seconds: int = Field(default=25, ge=5, le=600)


class Retention(_Model):
    recordings_days: int = Field(default=30, ge=1)
    caller_numbers_days: int = Field(default=7, ge=1)
    closed_tasks_days: int = Field(default=90, ge=1)
    audit_days: int = Field(default=365, ge=1)
    failed_jobs_days: int = Field(default=7, ge=1)
    queue_days: int = Field(default=90, ge=1)  # ended queue waits and their steps (offers, misses, connections)
    presence_days: int = Field(default=30, ge=1)  # staff status history: kept short, it describes people at work


class Web(_Model):
    redis_timeout_seconds: float = Field(default=0.25, gt=0, le=5)
    trusted_proxies: int = Field(default=0, ge=0, le=5)


class Accessibility(_Model):
    """The feedback contact of the accessibility statement (/barrierefreiheit): set it to the office's own."""

    contact_email: str = Field(default="barrierefreiheit@stadt.wuppertal.de", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    contact_phone: str | None = None  # E.164 (+49...); shown on the statement when set

    @field_validator("contact_phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is not None and not _E164.match(value):
            raise ValueError(f"contact phone {value!r} is not in E.164 form (+49...)")
        return value


class FileConfig(_Model):
    """The shape of config.yaml."""

    spec_version: Literal[1]
    hotline: Hotline
    privacy: Privacy
    languages: dict[str, Language]
    default_hours: dict[str, list[str]] | None = None
    desks: dict[str, Desk]
    holidays: HolidaySource = HolidaySource()
    closure_days: list[ClosureDay] = Field(default_factory=list)
    callbacks: Callbacks = Callbacks()
    sms: Sms = Sms()
    menus: Menus = Menus()
    dial: Dial = Dial()
    retention: Retention = Retention()
    web: Web = Web()
    accessibility: Accessibility = Accessibility()


class Settings(_Model):
    """Everything the hotline needs to run: config.yaml plus environment."""

    config: FileConfig
    config_path: str
    flows_dir: str
    audio_dir: str
    instance_dir: str
    database_url: str
    redis_url: str | None
    twilio_auth_token: str
    twilio_account_sid: str | None
    twilio_api_key: str | None = None
    twilio_api_secret: str | None = None
    twilio_api_base: str | None = None
    twilio_edge: str | None = None
    twilio_region: str | None = None
    api_token: str | None
    secret_key: str
    public_url: str | None
    validate_signatures: bool = True
    log_format: LogFormat = "plain"
    flows_watch_seconds: float = Field(default=2.0, ge=0)
    """Seconds between a served app's looks at the flow and config files; 0: no watching."""
    published_by: str | None = None
    """Publisher the file watcher records; None: file-watch@<host>."""
    login_rate_per_address: str = "20 per minute"
    login_rate_global: str = "60 per minute"
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    login_hash_slots: int = Field(default=1, ge=1)

    @property
    def desks(self) -> dict[str, Desk]:
        """The desks by id."""
        return self.config.desks


ENV_VARS: dict[str, str] = {
    "IVR_CONFIG": "path of the config file (default: config.yaml in the project)",
    "IVR_FLOWS_DIR": "folder of the flow files (default: flows/ in the project)",
    "IVR_INSTANCE_DIR": "folder for the SQLite file, recordings and spool (default: instance/)",
    "DATABASE_URL": "SQLAlchemy URL; default sqlite:///instance/ivr.sqlite3",
    "REDIS_URL": "redis:// or redis+sentinel:// URL; unset: `ivr dev` starts a private redis-server",
    "TWILIO_AUTH_TOKEN": "required: checks X-Twilio-Signature on every /voice/* request",
    "TWILIO_ACCOUNT_SID": "Twilio account, for the REST API (recordings, staff callbacks)",
    "TWILIO_API_BASE": "base URL of Twilio's REST API (tests point it at a local stand-in)",
    "TWILIO_EDGE": "Twilio edge for REST calls, e.g. frankfurt",
    "TWILIO_REGION": "Twilio region for REST calls, e.g. ie1",
    "SECRET_KEY": "required: signs sessions and encrypts call state that holds a phone number",
    "IVR_API_TOKEN": "bootstrap admin token for the JSON API (Authorization: Bearer ...)",
    "IVR_PUBLIC_URL": "public base URL Twilio calls (https://hotline.example.org); used for signatures",
    "IVR_TRUSTED_PROXIES": "number of reverse proxies in front of the app (X-Forwarded-* trusted)",
}
ENV_NUMBERS: dict[str, tuple[str, float, float | None]] = {
    "IVR_TRUSTED_PROXIES": ("whole", 0, None),
    "IVR_FLOWS_WATCH": ("decimal", 0, None),  # seconds between looks at flows/ (0: no watching)
    "IVR_LOGIN_MAX_FAILURES": ("whole", 1, None),
    "IVR_LOGIN_WINDOW_SECONDS": ("whole", 1, None),
    "IVR_LOGIN_HASH_SLOTS": ("whole", 1, None),
    "PORT": ("whole", 1, 65535),  # `ivr dev` and the Procfile's bind
}
"""Environment variables that must be numbers (kind, least, largest), read here only (PORT by `ivr dev` through
env_number); checked when settings load, so a start fails with one line naming the variable, never a traceback."""
ENV_RATES = ("IVR_LOGIN_RATE_PER_ADDRESS", "IVR_LOGIN_RATE_GLOBAL")
"""Environment variables that must be rates like "20 per minute" (the login throttle's), checked like ENV_NUMBERS."""
_NUMBER = {"whole": re.compile(r"[0-9]{1,9}"), "decimal": re.compile(r"[0-9]{1,9}(\.[0-9]{1,6})?")}


def env_number(env: Mapping[str, str], name: str, default: float | None = None) -> float | None:
    """The number in environment variable `name` (see ENV_NUMBERS), `default` when unset or empty.

    ConfigError "environment: NAME must be ..." when it is not a plain number in range: no sign, exponent, "inf",
    underscore or non-ASCII digit that int() or float() would take.
    """
    raw = env.get(name, "").strip()
    if not raw:
        return default
    kind, least, largest = ENV_NUMBERS[name]
    value = (int if kind == "whole" else float)(raw) if _NUMBER[kind].fullmatch(raw) else None
    if value is None or value < least or (largest is not None and value > largest):
        scope = f"from {least:g} to {largest:g}" if largest is not None else f"{least:g} or more"
        number = "a whole number" if kind == "whole" else "a number of seconds"
        raise ConfigError([Problem("environment", 0, f"{name} must be {number}, {scope}")])
    return value


def check_env_numbers(env: Mapping[str, str]) -> list[Problem]:
    """A problem for each variable of ENV_NUMBERS that is set but not a number in range."""
    problems = []
    for name in ENV_NUMBERS:
        try:
            env_number(env, name)
        except ConfigError as exc:
            problems += exc.problems
    return problems


def check_database_url(url: str) -> list[Problem]:
    """A problem when DATABASE_URL is not a URL of a database SQLAlchemy knows (the URL is not repeated: it may
    hold a password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError
    from sqlalchemy.exc import NoSuchModuleError

    try:
        make_url(url.replace("postgres://", "postgresql://", 1)).get_dialect()  # ivr.store.db takes both
    except (ArgumentError, NoSuchModuleError, ValueError):
        return [Problem("environment", 0, "DATABASE_URL is not a database URL: use sqlite:///path/ivr.sqlite3 or "
                                          "postgresql://user@host/dbname")]
    return []


def check_redis_url(url: str | None) -> list[Problem]:
    """A problem when REDIS_URL is set to something that is not a Redis URL (ivr.store.breaker.connect's forms)."""
    if not url or re.match(r"^(redis|rediss|unix|redis\+sentinel)://.", url):
        return []
    return [Problem("environment", 0, "REDIS_URL is not a Redis URL: use redis://host:6379/0, rediss://…, unix://… "
                                      "or redis+sentinel://host:26379/mymaster/0")]


def check_env_rates(env: Mapping[str, str]) -> list[Problem]:
    """A problem for each variable of ENV_RATES that is set but not a rate Flask-Limiter takes."""
    problems = []
    for name in ENV_RATES:
        raw = env.get(name, "").strip()
        try:
            if raw:
                parse_rate(raw)
        except ValueError:
            problems.append(Problem("environment", 0, f"{name} must be a rate like '20 per minute'"))
    return problems


def env_log_format(environ: Mapping[str, str] | None = None) -> LogFormat:
    """IVR_LOG_FORMAT: "json" for one JSON object a line, anything else plain; for code that logs before any
    Settings exist (process start, gunicorn's logger class), else Settings.log_format."""
    env = os.environ if environ is None else environ
    return "json" if env.get("IVR_LOG_FORMAT") == "json" else "plain"


def _tuning(env: Mapping[str, str]) -> dict[str, Any]:
    """The Settings fields of the checked numbers and rates in the environment; unset ones keep their defaults."""
    values = {"flows_watch_seconds": env_number(env, "IVR_FLOWS_WATCH"),
              "login_rate_per_address": env.get("IVR_LOGIN_RATE_PER_ADDRESS", "").strip() or None,
              "login_rate_global": env.get("IVR_LOGIN_RATE_GLOBAL", "").strip() or None,
              "login_max_failures": env_number(env, "IVR_LOGIN_MAX_FAILURES"),
              "login_window_seconds": env_number(env, "IVR_LOGIN_WINDOW_SECONDS"),
              "login_hash_slots": env_number(env, "IVR_LOGIN_HASH_SLOTS")}
    return {key: value for key, value in values.items() if value is not None}


def _problems(doc: Document, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = tuple("from" if part == "from_" else part for part in err["loc"])
        where = ".".join(str(p) for p in loc) or "(top)"
        problems.append(doc.problem(loc, f"{where}: {finding(err)}"))
    return problems


def _check_references(doc: Document, cfg: FileConfig) -> list[Problem]:
    problems = []
    if cfg.hotline.default_language not in cfg.languages:
        problems.append(doc.problem(("hotline", "default_language"), "hotline.default_language: unknown language"))
    if cfg.hotline.fallback_desk not in cfg.desks:
        problems.append(doc.problem(("hotline", "fallback_desk"), "hotline.fallback_desk: unknown desk"))
    for desk_id, desk in cfg.desks.items():
        if not any(desk.hours.values()):
            problems.append(doc.problem(("desks", desk_id, "hours"), f"desks.{desk_id}: desk has no office hours"))
    return problems


def parse_config(doc: Document) -> FileConfig:
    """Validate a parsed config document; raise ConfigError listing every problem."""
    try:
        cfg = FileConfig.model_validate(doc.data if isinstance(doc.data, dict) else {})
    except ValidationError as exc:
        raise ConfigError(_problems(doc, exc)) from None
    problems = _check_references(doc, cfg)
    if problems:
        raise ConfigError(problems)
    return cfg


def load_config(path: str | Path) -> FileConfig:
    """Read and validate a config file."""
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        raise ConfigError([exc.problem]) from None
    except OSError as exc:
        raise ConfigError([Problem(str(path), 1, f"cannot read config: {exc.strerror}")]) from None
    return parse_config(doc)


@dataclass(frozen=True)
class Paths:
    """Where the config, flows, audio, instance folder and database are; needs neither a valid config nor secrets."""

    config_path: str
    flows_dir: str
    audio_dir: str
    instance_dir: str
    database_url: str


def locate(environ: Mapping[str, str] | None = None, config_path: str | None = None,
           instance_dir: str | None = None) -> Paths:
    """The paths from the environment (IVR_CONFIG, IVR_FLOWS_DIR, IVR_INSTANCE_DIR, DATABASE_URL) or the defaults."""
    env = os.environ if environ is None else environ
    instance = instance_dir or env.get("IVR_INSTANCE_DIR") or str(ROOT / "instance")
    return Paths(config_path=str(config_path or env.get("IVR_CONFIG") or DEFAULT_CONFIG),
                 flows_dir=env.get("IVR_FLOWS_DIR") or str(ROOT / "flows"),
                 audio_dir=str(ROOT / "ivr" / "static" / "audio"),
                 instance_dir=str(instance),
                 database_url=env.get("DATABASE_URL") or f"sqlite:///{Path(instance) / 'ivr.sqlite3'}")


def load_settings(environ: Mapping[str, str] | None = None, *, secrets: bool = True, **overrides: Any) -> Settings:
    """Build Settings from IVR_CONFIG (or config.yaml) and the environment; overrides win.

    `secrets=False` for tasks that use neither (migrations, flow versions): TWILIO_AUTH_TOKEN and SECRET_KEY may
    then be unset."""
    env = dict(os.environ if environ is None else environ)
    paths = locate(env, overrides.pop("config_path", None), overrides.pop("instance_dir", None))
    config = overrides.pop("config", None) or load_config(paths.config_path)
    values: dict[str, Any] = {
        "config": config,
        **asdict(paths),
        "redis_url": env.get("REDIS_URL") or None,
        "twilio_auth_token": env.get("TWILIO_AUTH_TOKEN", ""),
        "twilio_account_sid": env.get("TWILIO_ACCOUNT_SID") or None,
        "twilio_api_key": env.get("TWILIO_API_KEY") or None,
        "twilio_api_secret": env.get("TWILIO_API_SECRET") or None,
        "twilio_api_base": env.get("TWILIO_API_BASE") or None,
        "twilio_edge": env.get("TWILIO_EDGE") or None,
        "twilio_region": env.get("TWILIO_REGION") or None,
        "api_token": env.get("IVR_API_TOKEN") or None,
        "secret_key": env.get("SECRET_KEY", ""),
        "public_url": (env.get("IVR_PUBLIC_URL") or "").rstrip("/") or None,
        "log_format": env_log_format(env),
        "published_by": env.get("IVR_PUBLISHED_BY") or None,
    }
    problems = (check_env_numbers(env) + check_env_rates(env)
                + check_database_url(overrides.get("database_url", paths.database_url))
                + check_redis_url(overrides.get("redis_url", values["redis_url"])))
    proxies = None if problems else env_number(env, "IVR_TRUSTED_PROXIES")
    if proxies is not None:
        web = config.web.model_copy(update={"trusted_proxies": int(proxies)})
        values["config"] = config.model_copy(update={"web": web})
    if not problems:
        values.update(_tuning(env))
    values.update(overrides)
    missing = [name for name, key in (("TWILIO_AUTH_TOKEN", "twilio_auth_token"), ("SECRET_KEY", "secret_key"))
               if secrets and not values[key]]
    problems += [Problem("environment", 0, f"{name} is required but not set") for name in missing]
    if problems:
        raise ConfigError(problems)
    return Settings(**values)
