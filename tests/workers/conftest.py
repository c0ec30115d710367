"""Fixtures for worker and command tests: the `ivr` command line with the test's environment."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ivr.cli import main
from tests.factories import API_TOKEN
from tests.factories import TOKEN


@pytest.fixture
def ivr(settings):
    """Run `ivr ...` in-process with the test's database, Redis and instance folder; returns the Result."""
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "test-secret", "IVR_API_TOKEN": API_TOKEN,
           "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "IVR_INSTANCE_DIR": settings.instance_dir}

    def run(*args: str):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return run
