"""Hypothesis settings for the webhook fuzzing: fixed example counts, derandomized; what was answered to the report."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck
from hypothesis import settings

from tests.support.report import record

EXAMPLES = Counter()
"""Requests sent in this session, by "<endpoint> | <what kind of request> | <HTTP status>"."""

settings.register_profile(
    "ivr-fuzz", max_examples=300, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ = settings.get_profile("ivr-fuzz")


@pytest.fixture(scope="session", autouse=True)
def _report_volume():
    yield
    if not EXAMPLES:
        return
    record("fuzz", {"requests": sum(EXAMPLES.values()), "answers": dict(sorted(EXAMPLES.items())),
                    "max_examples_per_test": FUZZ.max_examples, "derandomize": True})
