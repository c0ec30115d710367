"""The figures of docs/reliability.md: run the fault and fuzz suites into a fresh report, print it as tables.

Every figure is what the tests counted or timed in this run (nothing is copied from an older file); durations are
reported, never asserted. Usage:

    .venv/bin/python -m bench.reliability                 # runs `pytest -m "faults or fuzz"` (about 10 minutes)
    .venv/bin/python -m bench.reliability --report FILE   # keep the JSON report as well
    .venv/bin/python -m bench.reliability --show FILE     # print an existing report (e.g. CI's test-artifacts/)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = ["tests/faults", "tests/fuzz"]


def run(report: Path) -> tuple[int, float]:
    """Run the suites with the report pointed at `report` (emptied first); return pytest's exit code and seconds."""
    report.unlink(missing_ok=True)
    env = dict(os.environ, IVR_RELIABILITY_REPORT=str(report))
    started = time.monotonic()
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                            "-m", "faults or fuzz", *SUITES], cwd=ROOT, env=env)
    return code, time.monotonic() - started


def tables(data: dict) -> str:
    """One Markdown table per section of the report: figure | value."""
    out = []
    for section in sorted(data):
        out += [f"### {section}", "", "| Figure | Value |", "|---|---|"]
        for name, value in sorted(_flat(data[section]).items()):
            out.append(f"| {name} | {value} |")
        out.append("")
    return "\n".join(out)


def _flat(figures: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for name, value in figures.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{name}: "))
        else:
            flat[prefix + name] = value
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="where to keep the JSON report (default: a temporary file)")
    parser.add_argument("--show", type=Path, help="print this report without running anything")
    args = parser.parse_args()
    if args.show:
        print(tables(json.loads(args.show.read_text())))
        return
    report = args.report or Path(tempfile.mkdtemp(prefix="ivr-reliability-")) / "reliability.json"
    code, seconds = run(report)
    data = json.loads(report.read_text()) if report.exists() else {}
    print(f"\n## Reliability figures ({time.strftime('%Y-%m-%d')}, pytest exit {code}, {seconds:.0f} s)\n")
    print(tables(data))
    print(f"report: {report}")
    sys.exit(code)


if __name__ == "__main__":
    main()
