"""The figures of the fault and fuzz suites, measured in the run: one JSON file that `bench.reliability` prints."""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "test-artifacts" / "reliability.json"
ENV = "IVR_RELIABILITY_REPORT"
"""Names the report file; `bench.reliability` points it at a fresh file so no old figure survives."""


def path() -> Path:
    """The report file: $IVR_RELIABILITY_REPORT, else test-artifacts/reliability.json (CI's artifact folder)."""
    return Path(os.environ.get(ENV) or DEFAULT)


def record(section: str, figures: dict) -> None:
    """Merge one test's figures into the report under `section`."""
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(target.read_text())
    except (OSError, ValueError):
        data = {}
    data[section] = figures
    target.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
