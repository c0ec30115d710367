"""`cli(*args, **env)`: run `ivr` in-process with the test's database, Redis and instance, env changes on top."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ivr.cli.main import main
from tests.factories import API_TOKEN
from tests.factories import TOKEN


@pytest.fixture
def cli(settings):
    base = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "test-secret", "IVR_API_TOKEN": API_TOKEN,
            "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
            "IVR_INSTANCE_DIR": settings.instance_dir, "IVR_CONFIG": None, "IVR_FLOWS_DIR": None}

    def run(*args: str, input: str | None = None, **env: str | None):  # noqa: A002 - click's name
        return CliRunner().invoke(main, list(args), env={**base, **env}, input=input)

    return run
