"""Hypothesis settings for the webhook fuzzing: fixed example counts, derandomized, figures to the artifact."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability.json"
EXAMPLES = Counter()
"""Requests sent per endpoint in this session."""

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
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(ARTIFACT.read_text())
    except (OSError, ValueError):
        data = {}
    data["fuzz"] = {"requests_per_endpoint": dict(sorted(EXAMPLES.items())), "requests": sum(EXAMPLES.values()),
                    "max_examples_per_test": FUZZ.max_examples, "derandomize": True}
    ARTIFACT.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
