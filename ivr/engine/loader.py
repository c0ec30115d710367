"""Load every flows/*.yaml, validate the whole set and compile it into one immutable Bundle."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel
from pydantic import ValidationError

from ivr.core.errors import FlowValidationError
from ivr.core.yamldoc import Document
from ivr.core.yamldoc import Problem
from ivr.core.yamldoc import YamlSyntaxError
from ivr.core.yamldoc import finding
from ivr.core.yamldoc import parse
from ivr.engine import prompts as prompt_text
from ivr.engine import schema
from ivr.engine.model import Bundle
from ivr.engine.model import Flow
from ivr.engine.model import LanguageInfo
from ivr.engine.model import Node
from ivr.engine.model import NodeType
from ivr.engine.model import SayRef
from ivr.engine.model import Target
from ivr.engine.validate import check_flow
from ivr.engine.validate import check_prompts
from ivr.settings import FileConfig

KINDS: dict[str, type[BaseModel]] = {
    "flow": schema.FlowFile,
    "prompts": schema.PromptsFile,
    "audio-manifest": schema.AudioManifest,
}
"""Which model validates which `kind:` of file."""
_BRANCHES = {"str", "int", "bool"} | {name for name, value in vars(schema).items()
                                      if isinstance(value, type) and issubclass(value, BaseModel)}
"""Names pydantic puts into an error's location for the branch of a union that failed; not keys of the file."""


def _validate(doc: Document) -> tuple[BaseModel | None, list[Problem]]:
    data = doc.data
    if not isinstance(data, dict):
        return None, [doc.problem((), "a flow file must be a mapping with spec_version and kind")]
    if data.get("spec_version") != schema.SPEC_VERSION:
        return None, [doc.problem(("spec_version",), f"spec_version must be {schema.SPEC_VERSION}")]
    model = KINDS.get(str(data.get("kind")))
    if model is None:
        return None, [doc.problem(("kind",), f"kind must be one of {', '.join(KINDS)}")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        found: list[tuple[tuple, dict]] = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (p in _BRANCHES or p.startswith((
                "constrained-str", "literal", "function-after")))))
            # drop pydantic's union-branch names (say, menu, ...) that follow a node id
            clean: list = []
            for part in loc:
                if clean and len(clean) >= 2 and clean[-2] == "nodes" and part in {t.value for t in NodeType}:
                    continue
                clean.append(part)
            if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
                clean.append("type")
            found.append((tuple(clean), err))
        problems = []
        for loc, err in found:
            # a mapping given where text or a mapping may stand: its own finding (an unknown key) says more
            if err["type"] == "string_type" and any(other[:len(loc)] == loc and other != loc for other, _ in found):
                continue
            where = ".".join(str(p) for p in loc)
            problems.append(doc.problem(loc, f"{where}: {finding(err)}"))
        return None, problems


def _say(items: Iterable[str | schema.SayItem]) -> tuple[SayRef, ...]:
    return tuple(SayRef(i) if isinstance(i, str) else SayRef(i.prompt, i.language) for i in items)


def _target(value: str | schema.Target | None) -> Target | None:
    if value is None:
        return None
    return Target(value) if isinstance(value, str) else Target(value.next, value.language)


def _compile_node(node_id: str, raw: BaseModel, line: int, config: FileConfig) -> Node:
    kind = NodeType(raw.type)  # type: ignore[attr-defined]
    common = {"id": node_id, "type": kind, "line": line, "say": _say(getattr(raw, "say", [])),
              "description": getattr(raw, "description", None) or ""}
    if isinstance(raw, schema.MenuNode):
        return Node(**common, options=tuple((k, _target(v)) for k, v in raw.options.items()),  # type: ignore[misc]
                    no_input=_target(raw.no_input), on_failure=raw.on_failure,
                    max_retries=raw.max_retries or config.menus.max_retries,
                    timeout=raw.timeout or config.menus.timeout_seconds, language_menu=raw.language_menu)
    if isinstance(raw, schema.DeskNode | schema.CallbackNode):
        return Node(**common, desk=raw.desk)
    return Node(**common, next=getattr(raw, "next", None))


def _recording_url(audio: str) -> str:
    return audio if "://" in audio else f"{prompt_text.AUDIO_ROOT}/{audio.lstrip('/')}"


def read_files(flows_dir: str | Path, files: Iterable[str | Path] | None = None) -> list[tuple[str, str]]:
    """Return (path, text) of the flow files to load: the given ones, or every *.yaml in flows_dir."""
    paths = [Path(f) for f in files] if files else sorted(Path(flows_dir).glob("*.yaml"))
    return [(str(p), p.read_text(encoding="utf-8")) for p in paths]


def compile_bundle(sources: list[tuple[str, str]], config: FileConfig, audio_dir: str | Path,
                   entry: str = "hotline") -> tuple[Bundle | None, list[Problem]]:
    """Validate and compile flow sources; return the Bundle (None on any error) and every problem."""
    problems: list[Problem] = []
    docs: list[tuple[Document, BaseModel]] = []
    parsed: list[Document] = []
    for file, text in sources:
        try:
            doc = parse(text, file)
        except YamlSyntaxError as exc:
            problems.append(exc.problem)
            parsed.append(Document(file, {"kind": "flow"}))  # a broken file may well be a flow
            continue
        parsed.append(doc)
        model, found = _validate(doc)
        problems += found
        if model is not None:
            docs.append((doc, model))
    prompts: dict[str, dict[str, str]] = {}
    recordings: dict[tuple[str, str], str] = {}
    prompt_lines: dict[str, tuple[Document, str]] = {}
    manifest: schema.AudioManifest | None = None
    flows_raw: list[tuple[Document, schema.FlowFile]] = []
    static = {"controller": config.privacy.controller, "privacy_url": config.privacy.url}
    for doc, model in docs:
        if isinstance(model, schema.PromptsFile):
            for pid, texts in model.prompts.items():
                if pid in prompts:
                    problems.append(doc.problem(("prompts", pid), f"prompt {pid!r} is defined twice"))
                prompts[pid] = {}
                for lang, given in texts.items():
                    if isinstance(given, schema.RecordedPrompt):
                        recordings[(pid, lang)] = _recording_url(given.audio)
                        if "://" not in given.audio and not (Path(audio_dir) / given.audio).is_file():
                            problems.append(doc.problem(("prompts", pid, lang), f"prompt {pid!r} ({lang}): "
                                                        f"audio file {given.audio!r} not found"))
                        given = given.text
                    prompts[pid][lang] = prompt_text.substitute_static(given, static)
                prompt_lines[pid] = (doc, pid)
        elif isinstance(model, schema.AudioManifest):
            manifest = model
        elif isinstance(model, schema.FlowFile):
            flows_raw.append((doc, model))
    audio_dir = Path(audio_dir)
    existing = frozenset(str(p.relative_to(audio_dir)) for p in audio_dir.glob("*/*.wav")) if audio_dir.is_dir() \
        else frozenset()
    languages = {
        lid: LanguageInfo(lid, lang.name, lang.voice, lang.tts_language, audio=not lang.uses_tts)
        for lid, lang in config.languages.items()
    }
    problems += check_prompts(prompts, prompt_lines, languages)
    flows: dict[str, Flow] = {}
    unavailable: set[str] = set()
    for doc, raw in flows_raw:
        found, missing_audio = check_flow(doc, raw, config, prompts, languages, existing)
        problems += found
        unavailable |= missing_audio
        nodes = {nid: _compile_node(nid, node, doc.line(("nodes", nid)), config) for nid, node in raw.nodes.items()}
        flows[raw.id] = Flow(raw.id, doc.file, raw.start, tuple(raw.languages), MappingProxyType(nodes))
    if entry not in flows and flows_raw:
        problems.append(Problem(flows_raw[0][0].file, 1, f"no flow with id {entry!r} (the hotline's entry flow)"))
    elif not flows_raw and not any(isinstance(d.data, dict) and d.data.get("kind") == "flow" for d in parsed):
        problems.append(Problem(str(sources[0][0]) if sources else "flows", 1, "no flow file found"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    digest = hashlib.sha256()
    for file, text in sorted(sources):
        digest.update(Path(file).name.encode() + b"\0" + text.encode() + b"\0")
    digest.update(config.model_dump_json().encode())
    bundle = Bundle(
        version=digest.hexdigest()[:12],
        flows=MappingProxyType(flows),
        entry=entry,
        prompts=MappingProxyType({k: MappingProxyType(v) for k, v in prompts.items()}),
        languages=MappingProxyType(languages),
        available=frozenset(set(languages) - unavailable),
        audio_files=existing,
        default_language=config.hotline.default_language,
        fallback_desk=config.hotline.fallback_desk,
        desk_numbers=MappingProxyType({k: d.number for k, d in config.desks.items()}),
        promise_hours=MappingProxyType({k: d.callback_promise_hours for k, d in config.desks.items()}),
        menu_timeout=config.menus.timeout_seconds,
        menu_retries=config.menus.max_retries,
        dial_timeout=config.dial.timeout_seconds,
        entry_attempts=config.callbacks.max_entry_attempts,
        recording_seconds=config.callbacks.recording_max_seconds,
        callback_limit=config.callbacks.per_number_daily_limit,
        warnings=tuple(str(p) for p in problems),
        recordings=MappingProxyType(recordings),
    )
    _ = manifest  # the manifest's review status is reported by `ivr flows check`
    return bundle, problems


def load_bundle(flows_dir: str | Path, config: FileConfig, audio_dir: str | Path,
                files: Iterable[str | Path] | None = None) -> Bundle:
    """Load and compile the flows; raise FlowValidationError listing every problem."""
    bundle, problems = compile_bundle(read_files(flows_dir, files), config, audio_dir)
    if bundle is None:
        raise FlowValidationError(problems)
    return bundle
