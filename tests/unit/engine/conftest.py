"""The shipped flows compiled once for the engine's tests: read by the flowops shell, compiled by the pure engine."""

from __future__ import annotations

import pytest

from ivr.flowops.source import load_bundle
from ivr.settings import ROOT
from ivr.settings import load_config


@pytest.fixture(scope="session")
def shipped():
    """The shipped flows as a Bundle."""
    return load_bundle(ROOT / "flows", load_config(ROOT / "config.yaml"), ROOT / "ivr" / "static" / "audio")
