"""Operator commands for menu flows: check, schema, graph, history, rollback, and the text phone."""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ivr.cli.context import pass_container
from ivr.cli.main import main
from ivr.container import Container
from ivr.settings import locate

SCHEMA_FILE = "flow.schema.json"


def _paths() -> tuple[str, str, str]:
    """Config file, flows folder and audio folder, as the service reads them (without loading them)."""
    paths = locate()
    return _short(Path(paths.config_path)), _short(Path(paths.flows_dir)), paths.audio_dir


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


@main.group()
def flows() -> None:
    """Check, draw and publish menu flows."""


@flows.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings (placeholder audio, drafts) as errors.")
def flows_check(files: tuple[str, ...], strict: bool) -> None:
    """Validate flows and config; print every problem as file:line: message."""
    from ivr.flowops.check import check
    from ivr.flowops.check import sources_for

    config, flows_dir, audio = _paths()
    report = check(config, sources_for(flows_dir, list(files) or None), audio)
    for problem in report.problems:
        click.echo(str(problem))
    for lang, kinds in report.sms_segments.items():  # operators see what each SMS costs before publishing
        click.echo(f"sms {lang} -> " + ", ".join(f"{kind} {info['segments']} ({info['encoding']}, "
                                               f"{info['characters']} chars)" for kind, info in kinds.items()))
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



def _show(turn, echo=click.echo, queued: bool = False) -> None:
    for note in turn.notes:
        echo(f"  {note}")
    for heard in turn.heard:
        if heard.audio:
            echo(f"  ♪ {heard.audio}" + (f"  «{heard.text}»" if heard.text else ""))
        else:
            echo(f"  [{heard.language}] {heard.text}")
    hints = {"keys": "press a key (* repeats, - waits)", "number": "type a phone number, then #",
             "record": "speak after the beep: msg leaves a message, - says nothing"}
    if turn.dialed:
        echo(f"  → transfer to {turn.dialed}")
    if turn.queue:
        echo(f"  ⏳ waiting in queue {turn.queue}")
    if queued and turn.waits == "keys":
        echo("  ⌨ 1 to be called back (keeping your place), - waits on (a simulated person may take the call)")
    elif turn.waits in hints:
        echo(f"  ⌨ {hints[turn.waits]}")


@main.command()
@click.option("--lang", help="Choose this language in the language menu (de, ar, uk, tr, fa, kmr, en, ru).")
@click.option("--at", "at", help='Local time of the call in the hotline\'s timezone, e.g. "2026-12-24 10:00" '
              '(default: now).')
@click.option("--from", "caller", default="+4917612345678", show_default=True,
              help="Caller number, or anonymous.")
@click.option("--desk-closed", "closed", multiple=True,
              help="Close this desk (repeat; * for the whole house).")
@click.option("--script", help='Keys to press, e.g. "1 2 2 1"; the caller hangs up when it runs out (in a '
              "desk's queue the caller waits on until answered).")
@click.option("--agents", help='Simulated people available at queue desks, e.g. "info:de,ar;helpers:de" (one '
              'person per language; "de+ar": one person speaking both). Without them nobody is signed in.')
def simulate(lang: str | None, at: str | None, caller: str, closed: tuple[str, ...],
             script: str | None, agents: str | None) -> None:
    """A text phone: call the hotline in-process, hear the prompts, press keys, see where the call ends."""
    from ivr import create_app  # the command line's one import of the app: the simulator drives it in-process
    from ivr.flowops.simulator import MAX_WAITS
    from ivr.flowops.simulator import AgentsError
    from ivr.flowops.simulator import Simulator
    from ivr.flowops.simulator import answer_dial

    tokens = script.split() if script is not None else None
    quiet = logging.getLogger("ivr")  # the app's start-up lines are noise here; the level comes back afterwards
    click.get_current_context().call_on_close(lambda level=quiet.level: quiet.setLevel(level))
    quiet.setLevel(logging.WARNING)
    try:
        sim = Simulator(create_app, None, closed, dict(os.environ), agents)
    except AgentsError as exc:
        raise click.BadParameter(str(exc), param_hint="--agents") from None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--desk-closed") from None
    with sim:
        try:
            sim.now = sim.local_time(at) if at else sim.now
        except ValueError:
            raise click.BadParameter('use "YYYY-MM-DD HH:MM" (local time)', param_hint="--at") from None
        key = sim.language_key(lang) if lang else None
        if lang and key is None:
            raise click.BadParameter(f"no language {lang!r} in the language menu", param_hint="--lang")
        local = sim.now.astimezone(ZoneInfo(sim.settings.config.hotline.timezone))
        click.echo(f"☎ calling the hotline at {local:%a %Y-%m-%d %H:%M} ({local:%Z}) from {caller}")
        call = sim.call("anonymous" if caller == "anonymous" else caller)
        _show(call.last, queued=call.queued)
        pending = [key] if key else []
        waits = 0
        while call.last.waits != "end":
            if pending:
                token = pending.pop(0)
            elif tokens is not None:
                token = tokens.pop(0) if tokens else ("-" if call.queued and waits < MAX_WAITS else None)
                waits += not tokens and call.queued
            else:
                try:
                    token = input("> ").strip()
                except EOFError:
                    click.echo()
                    token = None
            if token is None:
                break
            answer_dial(call, token)
            if call.last.waits == "end":
                break
            if tokens is not None or token == key:
                click.echo(f"> {token}")
            elif not sys.stdin.isatty():  # keys piped in: finish the prompt's line as a terminal would
                click.echo(token)
            before = len(call.turns)
            call.press(token)
            for turn in call.turns[before:]:
                _show(turn, queued=call.queued)
        answer_dial(call, None)
        ending = call.hang_up()
        click.echo(f"= call ends: {ending}")



def _current():
    """The flows as checked now, with the config: (bundle, config); a ClickException when they have errors."""
    from ivr.flowops.check import check
    from ivr.flowops.check import sources_for

    config, flows_dir, audio = _paths()
    report = check(config, sources_for(flows_dir), audio)
    if report.bundle is None or report.config is None:
        raise click.ClickException("flows have errors; run `ivr flows check`:\n"
                                   + "\n".join(str(p) for p in report.errors()))
    return report.bundle, report.config


@flows.command("graph")
@click.option("--format", "fmt", type=click.Choice(["svg", "mermaid", "dot"]), default="svg",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (default: stdout).")
def flows_graph(fmt: str, output: str | None) -> None:
    """Draw the menu tree on one page: keys, desks, open and closed branches, callbacks."""
    from ivr.flowops import graph as flowgraph
    bundle, config = _current()
    try:
        text = {"svg": flowgraph.svg, "mermaid": flowgraph.mermaid, "dot": flowgraph.dot}[fmt](bundle, config)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


def _actor(by: str | None) -> str:
    """The name the audit log records: --by, or the operating system's user."""
    if by:
        return by
    try:
        return "cli:" + getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment nor the password database
        return "cli:unknown"


@flows.command("publish")
@click.option("--by", help="Name for the audit log (default: cli:$USER).")
@pass_container(secrets=False)
def flows_publish(container: Container, by: str | None) -> None:
    """Check the files and make them the active version for every instance."""
    from ivr.flowops import versions as flowversions
    settings, engine, clock = container.settings, container.engine, container.clock
    sources = flowversions.Sources.read(settings.flows_dir, settings.config_path)
    report = sources.check(settings.audio_dir, _short(Path(settings.flows_dir)) + os.sep)
    for problem in report.problems:
        click.echo(str(problem))
    if report.bundle is None:
        click.echo(f"{len(report.errors())} error(s): nothing published", err=True)
        sys.exit(1)
    version = report.bundle.version
    if flowversions.active(engine) == version:
        click.echo(f"flows version {version} is already live")
        return
    flowversions.publish(engine, version, sources, _actor(by), clock())
    click.echo(f"published flows version {version}; web processes switch within seconds")


@flows.command("history")
@click.option("--limit", default=20, show_default=True)
@pass_container(secrets=False)
def flows_history(container: Container, limit: int) -> None:
    """List published versions, newest first (times in the hotline's timezone); * marks the live one."""
    from ivr.flowops import versions as flowversions
    tz = container.tz
    for row in flowversions.history(container.engine, limit):
        created = f"{row.created_at.astimezone(tz):%Y-%m-%d %H:%M}"
        activated = f"{row.activated_at.astimezone(tz):%Y-%m-%d %H:%M}" if row.activated_at else "-"
        click.echo(f"{'*' if row.active else ' '} {row.id}  published {created} by {row.published_by}, "
                   f"last activated {activated}")


@flows.command("rollback")
@click.argument("version")
@click.option("--by", help="Name for the audit log (default: cli:$USER).")
@pass_container(secrets=False)
def flows_rollback(container: Container, version: str, by: str | None) -> None:
    """Make a stored VERSION live again (see `ivr flows history`)."""
    from ivr.flowops import versions as flowversions
    settings, engine, clock = container.settings, container.engine, container.clock
    sources = flowversions.load(engine, version)
    if sources is None:
        raise click.ClickException(f"no stored version {version!r}; see `ivr flows history`")
    report = sources.check(settings.audio_dir)
    if report.bundle is None and not all("missing audio" in p.message for p in report.errors()):
        lines = "\n".join(map(str, report.errors()))
        raise click.ClickException("that version no longer compiles:\n" + lines)
    flowversions.rollback(engine, version, _actor(by), clock())
    click.echo(f"flows version {version} is live again; web processes switch within seconds")
