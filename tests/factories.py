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


def make_settings(tmp: Path, database_url: str, redis_url: str | None, **overrides: Any) -> Settings:
    """Settings for a test: shipped config and flows, test secrets, a private instance folder."""
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "test-secret", "IVR_API_TOKEN": API_TOKEN,
           "DATABASE_URL": database_url, "IVR_INSTANCE_DIR": str(tmp / "instance")}
    if redis_url:
        env["REDIS_URL"] = redis_url
    return load_settings(env, **overrides)


def write_flow(folder: Path, name: str, body: str) -> Path:
    """Write a YAML flow fixture (dedented) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(body).lstrip())
    return path
