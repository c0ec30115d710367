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


ACCOUNT = "AC" + "a" * 32


@pytest.fixture
def twilio():
    """The Twilio REST stand-in on loopback."""
    from tests.workers.twilio_standin import TwilioStandIn

    with TwilioStandIn(ACCOUNT, TOKEN) as stand_in:
        yield stand_in


@pytest.fixture
def settings(tmp_path, database_url, redis_url, engine, redis_conn, twilio):
    """Test settings whose Twilio REST calls go to the stand-in."""
    from tests.factories import make_settings

    return make_settings(tmp_path, database_url, redis_url, twilio_account_sid=ACCOUNT, twilio_api_base=twilio.url)
