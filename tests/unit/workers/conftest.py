"""Fixtures for worker and command tests: the `ivr` command line with the test's environment."""

from __future__ import annotations

import pytest

from tests.factories import TOKEN

ACCOUNT = "AC" + "a" * 32


@pytest.fixture
def twilio():
    """The Twilio REST stand-in on loopback."""
    from tests.unit.workers.twilio_standin import TwilioStandIn

    with TwilioStandIn(ACCOUNT, TOKEN) as stand_in:
        yield stand_in


@pytest.fixture
def settings(tmp_path, database_url, redis_url, engine, redis_conn, twilio):
    """Test settings whose Twilio REST calls go to the stand-in."""
    from tests.factories import make_settings

    return make_settings(tmp_path, database_url, redis_url, twilio_account_sid=ACCOUNT, twilio_api_base=twilio.url)
