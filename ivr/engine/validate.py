"""Collect every problem of a flow set: references, menus, prompts per language, audio, reachability."""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping

from ivr.core.yamldoc import Document
from ivr.core.yamldoc import Problem
from ivr.engine import prompts as prompt_text
from ivr.engine import schema
from ivr.engine.model import LanguageInfo
from ivr.engine.paths import check_paths

BUILTIN_PROMPTS: dict[str, tuple[str, ...]] = {
    "menu": ("invalid", "no_input"),
    "announcement": ("emergency",),
    "desk": ("hold", "desk_busy", "closed_hours", "closed_holiday", "closed_today", "open_again", "cb_offer",
             "cb_choice", "cb_enter", "cb_readback", "cb_invalid", "cb_refused", "cb_country", "cb_created",
             "cb_exists", "cb_limit", "cb_caller_country", "cb_window", "cb_sms", "cb_promise", "consent", "record",
             "recorded", "no_one", "goodbye", "to_person",
             # the live queue (a desk's `connect: queue` is config, so every desk node may need them)
             "queue_position", "queue_wait_under", "queue_wait_about", "queue_wait_over", "queue_no_estimate",
             "queue_offer", "queue_left_timeout", "queue_left_closed", "queue_left_nobody"),
}
"""Prompts the engine speaks by itself for each kind of node."""
BUILTIN_PROMPTS["callback"] = BUILTIN_PROMPTS["desk"]
RESERVED_KEYS = {"*"}  # * always repeats the menu
FREE_KEYS = {"0", "*", "9"}  # not counted against the option limit
MAX_OPTIONS = 5
WAITING = {"menu", "desk", "callback", "hangup"}  # nodes that wait for the caller or end the call
MISSING_AUDIO = "missing audio"
"""Marks the runtime warning that `ivr flows check` reports as an error."""


def check_prompts(prompts: Mapping[str, Mapping[str, str]], where: Mapping[str, tuple[Document, str]],
                  languages: Mapping[str, LanguageInfo]) -> list[Problem]:
    """Check the prompt catalogue: known languages and the same placeholders in every language."""
    problems = []
    allowed = prompt_text.RUNTIME_VARS | prompt_text.STATIC_VARS
    for pid, texts in prompts.items():
        doc, _ = where[pid]
        expected = None
        for lang, text in texts.items():
            if lang not in languages:
                problems.append(doc.problem(("prompts", pid, lang), f"prompt {pid!r}: unknown language {lang!r}"))
                continue
            names = prompt_text.variables(text)
            for name in names - allowed:
                problems.append(doc.problem(("prompts", pid, lang), f"prompt {pid!r} ({lang}): unknown "
                                            f"placeholder {{{name}}}"))
            runtime = names & prompt_text.RUNTIME_VARS
            if expected is None:
                expected = runtime
            elif runtime != expected:
                problems.append(doc.problem(("prompts", pid, lang), f"prompt {pid!r} ({lang}): placeholders "
                                            f"{sorted(runtime)} differ from {sorted(expected)}"))
    return problems


def _targets(node: schema.BaseModel) -> Iterable[tuple[tuple, str, str | None]]:
    """Yield (path inside the node, target node id, language chosen) of every exit."""
    if hasattr(node, "next"):
        yield ("next",), node.next, None  # type: ignore[attr-defined]
    if isinstance(node, schema.MenuNode):
        for key, target in node.options.items():
            if isinstance(target, str):
                yield ("options", key), target, None
            else:
                yield ("options", key), target.next, target.language
        if node.no_input is not None:
            nxt = node.no_input if isinstance(node.no_input, str) else node.no_input.next
            lang = None if isinstance(node.no_input, str) else node.no_input.language
            yield ("no_input",), nxt, lang
        yield ("on_failure",), node.on_failure, None


def _used_prompts(raw: schema.FlowFile, prompts: Mapping[str, Mapping[str, str]] | None = None
                  ) -> dict[str, tuple[str | None, tuple]]:
    used: dict[str, tuple[str | None, tuple]] = {}
    for nid, node in raw.nodes.items():
        own = f"cb_window_{getattr(node, 'desk', '')}"
        if prompts is not None and own in prompts:  # a desk's own window prompt, spoken instead of cb_window
            used.setdefault(own, (None, ("nodes", nid)))
        for index, item in enumerate(getattr(node, "say", [])):
            pid, lang = (item, None) if isinstance(item, str) else (item.prompt, item.language)
            used.setdefault(pid if lang is None else f"{pid}@{lang}", (lang, ("nodes", nid, "say", index)))
        for pid in BUILTIN_PROMPTS.get(node.type, ()):
            used.setdefault(pid, (None, ("nodes", nid)))
    return used


def _audio_missing(pid: str, text: str, lang: str, existing: frozenset[str]) -> list[str]:
    return [f"{lang}/{name}" for name in prompt_text.audio_files(pid, text) if f"{lang}/{name}" not in existing]


def check_flow(doc: Document, raw: schema.FlowFile, desks: Collection[str], prompts: Mapping[str, Mapping[str, str]],
               languages: Mapping[str, LanguageInfo], existing: frozenset[str]) -> tuple[list[Problem], set[str]]:
    """Check one flow; return its problems and the languages whose recorded audio is incomplete."""
    problems: list[Problem] = []
    for index, lang in enumerate(raw.languages):
        if lang not in languages:
            problems.append(doc.problem(("languages", index), f"language {lang!r} is not configured in config.yaml"))
    offered = [lang for lang in raw.languages if lang in languages]
    if raw.start not in raw.nodes:
        problems.append(doc.problem(("start",), f"start node {raw.start!r} does not exist"))
    for nid, node in raw.nodes.items():
        base = ("nodes", nid)
        for path, target, lang in _targets(node):
            if target not in raw.nodes:
                problems.append(doc.problem(base + path, f"node {nid!r}: {'.'.join(map(str, path))} leads to "
                                            f"unknown node {target!r}"))
            if lang is not None and lang not in offered:
                problems.append(doc.problem(base + path, f"node {nid!r}: language {lang!r} is not offered"))
        desk = getattr(node, "desk", None)
        if desk is not None and desk not in desks:
            problems.append(doc.problem(base + ("desk",), f"node {nid!r}: unknown desk {desk!r}"))
        if isinstance(node, schema.MenuNode):
            keys = set(node.options)
            for key in keys & RESERVED_KEYS:
                problems.append(doc.problem(base + ("options", key), f"node {nid!r}: key {key} is reserved for "
                                            "repeating the menu"))
            if not node.language_menu:
                if len(keys - FREE_KEYS) > MAX_OPTIONS:
                    problems.append(doc.problem(base + ("options",), f"node {nid!r}: more than {MAX_OPTIONS} "
                                                "options besides 0, * and 9"))
                if "0" not in keys:
                    problems.append(doc.problem(base + ("options",), f"node {nid!r}: menu has no 0 (a person)"))
    for pid, (lang, path) in _used_prompts(raw).items():
        name = pid.split("@")[0]
        if name not in prompts:
            problems.append(doc.problem(path, f"unknown prompt {name!r}"))
            continue
        for need in [lang] if lang else offered:
            if need not in prompts[name]:
                problems.append(doc.problem(path, f"prompt {name!r} has no text in language {need!r}"))
    problems += _check_graph(doc, raw) + check_paths(doc, raw)
    missing = _check_audio(doc, raw, prompts, languages, existing, offered)
    return problems + missing[0], missing[1]


def _check_graph(doc: Document, raw: schema.FlowFile) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    todo = [raw.start]
    while todo:
        nid = todo.pop()
        if nid in seen or nid not in raw.nodes:
            continue
        seen.add(nid)
        todo.extend(t for _, t, _ in _targets(raw.nodes[nid]))
    for nid in raw.nodes:
        if nid not in seen:
            problems.append(doc.problem(("nodes", nid), f"node {nid!r} is unreachable from {raw.start!r}"))
    for nid in raw.nodes:  # a loop of nodes that never wait for the caller spins forever
        path, current = [], nid
        while current in raw.nodes and raw.nodes[current].type not in WAITING and current not in path:
            path.append(current)
            current = getattr(raw.nodes[current], "next", None)
        if current in path and current == nid:
            problems.append(doc.problem(("nodes", nid), f"node {nid!r} loops without waiting for the caller: "
                                        f"{' -> '.join(path + [nid])}"))
    return problems


def _check_audio(doc: Document, raw: schema.FlowFile, prompts: Mapping[str, Mapping[str, str]],
                 languages: Mapping[str, LanguageInfo], existing: frozenset[str],
                 offered: list[str]) -> tuple[list[Problem], set[str]]:
    problems, incomplete = [], set()
    used = _used_prompts(raw, prompts)
    for lang in offered:
        if not languages[lang].audio:
            continue
        missing: list[str] = []
        for pid, (forced, _) in used.items():
            name = pid.split("@")[0]
            if forced not in (None, lang) or lang not in prompts.get(name, {}):
                continue
            missing += _audio_missing(name, prompts[name][lang], lang, existing)
        missing += [f"{lang}/{c}" for c in prompt_text.clip_files() if f"{lang}/{c}" not in existing]
        if missing:
            incomplete.add(lang)
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            problems.append(doc.problem(("languages", offered.index(lang)), f"language {lang!r}: {MISSING_AUDIO} "
                                        f"{shown}; left out of the language menu", severity="warning"))
    return problems, incomplete
