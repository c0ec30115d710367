"""Compile flow sources into one immutable Bundle: parse, validate, collect prompts, check, build. No I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from types import MappingProxyType

from pydantic import BaseModel
from pydantic import ValidationError

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

KINDS: dict[str, type[BaseModel]] = {
    "flow": schema.FlowFile,
    "prompts": schema.PromptsFile,
    "audio-manifest": schema.AudioManifest,
    "sms": schema.SmsTexts,  # the callers' SMS texts: validated here, used by the worker (ivr.hotline.sms)
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


Source = tuple[str, str]
"""One flow file: its name (as problems show it, e.g. flows/hotline.yaml) and its text."""


@dataclass(frozen=True)
class FlowConfig:
    """What compiling needs of config.yaml, as plain values (the shell in ivr.flowops.source builds it)."""

    languages: Mapping[str, LanguageInfo]
    desk_numbers: Mapping[str, str]
    promise_hours: Mapping[str, int]
    default_language: str
    fallback_desk: str
    menu_timeout: int
    menu_retries: int
    dial_timeout: int
    entry_attempts: int
    recording_seconds: int
    callback_limit: int
    desk_connect: Mapping[str, str] = field(default_factory=dict)
    """Each desk's `connect` (dial or queue); a desk not named is dialled."""
    static: Mapping[str, str] = field(default_factory=dict)
    """Values put into prompt texts at compile time (controller, privacy_url)."""
    fingerprint: str = ""
    """The whole configuration's canonical text: a changed config.yaml is a new version."""


@dataclass
class _Parsed:
    """The sources after parsing and schema validation, sorted by kind."""

    docs: list[Document] = field(default_factory=list)
    flows: list[tuple[Document, schema.FlowFile]] = field(default_factory=list)
    prompts: list[tuple[Document, schema.PromptsFile]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Prompts:
    """The prompt catalogue: texts by id and language, recorded prompts' URLs, where each id is defined."""

    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    recordings: dict[tuple[str, str], str] = field(default_factory=dict)
    where: dict[str, tuple[Document, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _say(items: Iterable[str | schema.SayItem]) -> tuple[SayRef, ...]:
    return tuple(SayRef(i) if isinstance(i, str) else SayRef(i.prompt, i.language) for i in items)


def _target(value: str | schema.Target | None) -> Target | None:
    if value is None:
        return None
    return Target(value) if isinstance(value, str) else Target(value.next, value.language)


def _compile_node(node_id: str, raw: BaseModel, line: int, config: FlowConfig) -> Node:
    kind = NodeType(raw.type)  # type: ignore[attr-defined]
    common = {"id": node_id, "type": kind, "line": line, "say": _say(getattr(raw, "say", [])),
              "description": getattr(raw, "description", None) or ""}
    if isinstance(raw, schema.MenuNode):
        return Node(**common, options=tuple((k, _target(v)) for k, v in raw.options.items()),  # type: ignore[misc]
                    no_input=_target(raw.no_input), on_failure=raw.on_failure,
                    max_retries=raw.max_retries or config.menu_retries,
                    timeout=raw.timeout or config.menu_timeout, language_menu=raw.language_menu)
    if isinstance(raw, schema.DeskNode | schema.CallbackNode):
        return Node(**common, desk=raw.desk)
    return Node(**common, next=getattr(raw, "next", None))


def _recording_url(audio: str) -> str:
    return audio if "://" in audio else f"{prompt_text.AUDIO_ROOT}/{audio.lstrip('/')}"


def wav_files(audio_files: Collection[str]) -> frozenset[str]:
    """The "<lang>/<name>.wav" clips among the audio file names (paths relative to the audio folder)."""
    return frozenset(name for name in audio_files if name.count("/") == 1 and name.endswith(".wav"))


def parse_sources(sources: Sequence[Source]) -> _Parsed:
    """Step 1: parse each source and validate it against the model of its `kind:`."""
    parsed = _Parsed()
    for file, text in sources:
        try:
            doc = parse(text, file)
        except YamlSyntaxError as exc:
            parsed.problems.append(exc.problem)
            parsed.docs.append(Document(file, {"kind": "flow"}))  # a broken file may well be a flow
            continue
        parsed.docs.append(doc)
        model, found = _validate(doc)
        parsed.problems += found
        if isinstance(model, schema.FlowFile):
            parsed.flows.append((doc, model))
        elif isinstance(model, schema.PromptsFile):
            parsed.prompts.append((doc, model))
        # the audio manifest's review status is reported by `ivr flows check`
    return parsed


def collect_prompts(files: Sequence[tuple[Document, schema.PromptsFile]], static: Mapping[str, str],
                    audio_files: Collection[str]) -> _Prompts:
    """Step 2: one catalogue from every prompts file; recorded prompts must name an audio file that exists."""
    found = _Prompts()
    for doc, model in files:
        for pid, texts in model.prompts.items():
            if pid in found.texts:
                found.problems.append(doc.problem(("prompts", pid), f"prompt {pid!r} is defined twice"))
            found.texts[pid] = {}
            for lang, given in texts.items():
                if isinstance(given, schema.RecordedPrompt):
                    found.recordings[(pid, lang)] = _recording_url(given.audio)
                    if "://" not in given.audio and given.audio.removeprefix("./") not in audio_files:
                        found.problems.append(doc.problem(("prompts", pid, lang), f"prompt {pid!r} ({lang}): "
                                                          f"audio file {given.audio!r} not found"))
                    given = given.text
                found.texts[pid][lang] = prompt_text.substitute_static(given, static)
            found.where[pid] = (doc, pid)
    return found


def compile_flows(files: Sequence[tuple[Document, schema.FlowFile]], config: FlowConfig, prompts: _Prompts,
                  existing: frozenset[str]) -> tuple[dict[str, Flow], set[str], list[Problem]]:
    """Step 3: check and compile each flow; return flows by id, languages with incomplete audio, problems."""
    flows: dict[str, Flow] = {}
    unavailable: set[str] = set()
    problems: list[Problem] = []
    for doc, raw in files:
        found, missing_audio = check_flow(doc, raw, config.desk_numbers, prompts.texts, config.languages, existing)
        problems += found
        unavailable |= missing_audio
        nodes = {nid: _compile_node(nid, node, doc.line(("nodes", nid)), config) for nid, node in raw.nodes.items()}
        flows[raw.id] = Flow(raw.id, doc.file, raw.start, tuple(raw.languages), MappingProxyType(nodes))
    return flows, unavailable, problems


def check_entry(parsed: _Parsed, flows: Mapping[str, Flow], entry: str, sources: Sequence[Source]) -> list[Problem]:
    """Step 4: the set has the hotline's entry flow (or says that no flow was given at all)."""
    if entry not in flows and parsed.flows:
        return [Problem(parsed.flows[0][0].file, 1, f"no flow with id {entry!r} (the hotline's entry flow)")]
    if not parsed.flows and not any(isinstance(d.data, dict) and d.data.get("kind") == "flow" for d in parsed.docs):
        return [Problem(str(sources[0][0]) if sources else "flows", 1, "no flow file found")]
    return []


def version_of(sources: Sequence[Source], config: FlowConfig) -> str:
    """The version id: a digest of the file names and texts and of the whole configuration."""
    digest = hashlib.sha256()
    for file, text in sorted(sources):
        digest.update(file.rsplit("/", 1)[-1].encode() + b"\0" + text.encode() + b"\0")
    digest.update(config.fingerprint.encode())
    return digest.hexdigest()[:12]


def compile(sources: Sequence[Source], config: FlowConfig, audio_files: Collection[str],
            entry: str = "hotline") -> tuple[Bundle | None, list[Problem]]:
    """Validate and compile flow sources; return the Bundle (None on any error) and every problem.

    `audio_files` are the names present in the audio folder, relative to it ("de/welcome.wav").
    """
    parsed = parse_sources(sources)
    prompts = collect_prompts(parsed.prompts, config.static, audio_files)
    problems = parsed.problems + prompts.problems
    problems += check_prompts(prompts.texts, prompts.where, config.languages)
    existing = wav_files(audio_files)
    flows, unavailable, found = compile_flows(parsed.flows, config, prompts, existing)
    problems += found + check_entry(parsed, flows, entry, sources)
    if any(p.severity == "error" for p in problems):
        return None, problems
    bundle = Bundle(
        version=version_of(sources, config),
        flows=MappingProxyType(flows),
        entry=entry,
        prompts=MappingProxyType({k: MappingProxyType(v) for k, v in prompts.texts.items()}),
        languages=MappingProxyType(dict(config.languages)),
        available=frozenset(set(config.languages) - unavailable),
        audio_files=existing,
        default_language=config.default_language,
        fallback_desk=config.fallback_desk,
        desk_numbers=MappingProxyType(dict(config.desk_numbers)),
        promise_hours=MappingProxyType(dict(config.promise_hours)),
        menu_timeout=config.menu_timeout,
        menu_retries=config.menu_retries,
        dial_timeout=config.dial_timeout,
        entry_attempts=config.entry_attempts,
        recording_seconds=config.recording_seconds,
        callback_limit=config.callback_limit,
        warnings=tuple(str(p) for p in problems),
        recordings=MappingProxyType(prompts.recordings),
        desk_connect=MappingProxyType(dict(config.desk_connect)),
    )
    return bundle, problems
