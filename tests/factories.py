"""Builders for test data: call forms, settings, tiny flows."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path
from typing import Any

from ivr.settings import Settings
from ivr.settings import load_settings

TOKEN = "test-auth-token-0123456789"
API_TOKEN = "test-api-token"


def call_form(**overrides: str) -> dict[str, str]:
    """A Twilio voice webhook form."""
    form = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": "+4917612345678",
            "To": "+4920274763333", "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01"}
    form.update(overrides)
    return form


TEST_WEB_REDIS_TIMEOUT = 5.0
"""Seconds a test's web process waits on Redis (see make_settings)."""


def make_settings(tmp: Path, database_url: str, redis_url: str | None, **overrides: Any) -> Settings:
    """Settings for a test: shipped config and flows, test secrets, a private instance folder."""
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "test-secret", "IVR_API_TOKEN": API_TOKEN,
           "DATABASE_URL": database_url, "IVR_INSTANCE_DIR": str(tmp / "instance")}
    if redis_url:
        env["REDIS_URL"] = redis_url
    settings = load_settings(env, **overrides)
    if "config" in overrides:
        return settings
    # A web process waits at most web.redis_timeout_seconds (0.25 s) on Redis, then leaves the job to the sweep:
    # right for a live call, but on a loaded 2-core CI machine a test's Redis command now and then takes longer and
    # a webhook test then finds no job (seen once in 1378 tests). The bound itself is tested with the shipped
    # config in tests/faults/test_slow_redis.py and tests/unit/test_container.py.
    web = settings.config.web.model_copy(update={"redis_timeout_seconds": TEST_WEB_REDIS_TIMEOUT})
    return settings.model_copy(update={"config": settings.config.model_copy(update={"web": web})})


def write_flow(folder: Path, name: str, body: str) -> Path:
    """Write a YAML flow fixture (dedented) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(body).lstrip())
    return path
