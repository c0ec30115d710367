"""The operator's check of flows and config: the runtime's validation, strict about audio, review status."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path

from ivr.core.errors import ProblemsError
from ivr.core.yamldoc import Problem
from ivr.core.yamldoc import YamlSyntaxError
from ivr.core.yamldoc import parse
from ivr.engine.model import Bundle
from ivr.engine.validate import MISSING_AUDIO
from ivr.flowops.source import compile_sources
from ivr.flowops.source import read_files
from ivr.hotline import sms
from ivr.hotline.promises import outside_hours
from ivr.settings import FileConfig
from ivr.settings import load_config

MANIFEST_KIND = "audio-manifest"


@dataclass(frozen=True)
class Report:
    """What a check found; `bundle` is None when there are errors."""

    problems: tuple[Problem, ...]
    bundle: Bundle | None
    config: FileConfig | None
    sms_segments: dict[str, dict[str, dict]] = field(default_factory=dict)
    """Each SMS text's segments, encoding and characters (with the longest day and window) by language and kind."""

    def errors(self, strict: bool = False) -> list[Problem]:
        """Problems that block publishing (every problem when strict)."""
        return [p for p in self.problems if strict or p.severity == "error"]


def sources_for(flows_dir: str | Path, files: list[str] | None = None) -> list[tuple[str, str]]:
    """Return the flow sources to check: the given files plus the rest of the set they belong to."""
    if not files:
        return read_files(flows_dir)
    named = {Path(f).resolve() for f in files}
    rest = [s for s in read_files(flows_dir) if Path(s[0]).resolve() not in named]
    return read_files(flows_dir, files) + rest


def check(config_path: str | Path, sources: list[tuple[str, str]], audio_dir: str | Path) -> Report:
    """Check config and flow sources; return every problem, errors first in file order."""
    try:
        config = load_config(config_path)
    except ProblemsError as exc:
        return Report(tuple(exc.problems), None, None)
    return check_with(config, sources, audio_dir)


def check_with(config: FileConfig, sources: list[tuple[str, str]], audio_dir: str | Path) -> Report:
    """Check flow sources against an already validated config."""
    bundle, problems = compile_sources(sources, config, audio_dir)
    problems = [replace(p, severity="error") if MISSING_AUDIO in p.message else p for p in problems]
    problems += _manifest(sources, config, Path(audio_dir))
    problems += _windows(config)
    sms_problems, segments = _sms(sources, config)
    problems += sms_problems
    if any(p.severity == "error" for p in problems):
        bundle = None
    return Report(tuple(problems), bundle, config, segments)


def _sms(sources: list[tuple[str, str]], config: FileConfig) -> tuple[list[Problem], dict[str, dict[str, dict]]]:
    """The callers' SMS texts (the file of kind sms): every language of the config, each at most sms.MAX_SEGMENTS."""
    for file, text in sources:
        try:
            doc = parse(text, file)
        except YamlSyntaxError:
            continue  # reported by the loader
        data = doc.data if isinstance(doc.data, dict) else {}
        if data.get("kind") == sms.KIND:
            return sms.check(sms.from_data(data), list(config.languages), file, doc.problem)
    return [], {}  # a flow set without SMS texts (tests, a hotline without SMS): nothing to count


def _manifest(sources: list[tuple[str, str]], config: FileConfig, audio_dir: Path) -> list[Problem]:
    """Placeholder audio and machine-drafted texts are warnings; a listed file that is gone is an error."""
    problems: list[Problem] = []
    for file, text in sources:
        try:
            doc = parse(text, file)
        except YamlSyntaxError:
            continue  # reported by the loader
        data = doc.data if isinstance(doc.data, dict) else {}
        if data.get("kind") != MANIFEST_KIND:
            continue
        for lang, info in (data.get("languages") or {}).items():
            if lang in config.languages and isinstance(info, dict) and info.get("text") == "machine-drafted":
                problems.append(doc.problem(("languages", lang), f"language {lang!r}: prompt texts are "
                                            "machine-drafted and await review by a native speaker",
                                            severity="warning"))
        placeholders: dict[str, list[str]] = {}
        for name, entry in (data.get("files") or {}).items():
            if not isinstance(entry, dict):
                continue
            if not (audio_dir / name).is_file():
                problems.append(doc.problem(("files", name), f"audio file {name} is listed but missing"))
            elif entry.get("status") == "placeholder":
                placeholders.setdefault(str(entry.get("language")), []).append(name)
        for lang, names in placeholders.items():
            problems.append(doc.problem(("files", names[0]), f"language {lang!r}: {len(names)} audio files "
                                        "are machine-made placeholders awaiting a human recording",
                                        severity="warning"))
    return problems


def _windows(config: FileConfig) -> list[Problem]:
    """A desk's own callback window must lie inside the desk's hours: outside them nobody could call back."""
    return [Problem("config.yaml", 0, f"desks.{desk_id}.windows.{window_id}: {item} is outside the desk's hours")
            for desk_id, desk in config.desks.items() for window_id, window in desk.windows.items()
            for item in outside_hours(desk.hours, window.hours)]
