"""Operator commands for menu flows: check, schema, graph, history, rollback, and the text phone."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ivr.settings import ROOT

SCHEMA_FILE = "flow.schema.json"


def _paths() -> tuple[str, str, str]:
    """Config file, flows folder and audio folder, as the service reads them."""
    config = os.environ.get("IVR_CONFIG") or _short(ROOT / "config.yaml")
    flows_dir = os.environ.get("IVR_FLOWS_DIR") or _short(ROOT / "flows")
    return config, flows_dir, str(ROOT / "ivr" / "static" / "audio")


def _short(path: Path) -> str:
    """A path relative to the working folder when it lies inside it (shorter file:line messages)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def schema_text() -> str:
    """The JSON Schema of a flow file, as committed in flows/flow.schema.json."""
    from ivr.engine.schema import json_schema

    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


@click.group()
def flows() -> None:
    """Check, draw and publish menu flows."""


@flows.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings (placeholder audio, drafts) as errors.")
def flows_check(files: tuple[str, ...], strict: bool) -> None:
    """Validate flows and config; print every problem as file:line: message."""
    from ivr.flowcheck import check
    from ivr.flowcheck import sources_for

    config, flows_dir, audio = _paths()
    report = check(config, sources_for(flows_dir, list(files) or None), audio)
    for problem in report.problems:
        click.echo(str(problem))
    errors = report.errors(strict)
    if errors:
        click.echo(f"{len(errors)} error(s)", err=True)
        sys.exit(1)
    warnings = len(report.problems)
    version = report.bundle.version if report.bundle else "-"
    click.echo(f"ok: flows version {version}, {warnings} warning(s)")


@flows.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Target file (default: flows/flow.schema.json).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print instead of writing the file.")
def flows_schema(output: str | None, to_stdout: bool) -> None:
    """Write the JSON Schema of the flow format, for YAML-aware editors."""
    text = schema_text()
    if to_stdout:
        click.echo(text, nl=False)
        return
    path = Path(output or Path(_paths()[1]) / SCHEMA_FILE)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


COMMANDS = [flows]
