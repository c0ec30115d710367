"""Draw the hotline on one page: menus and keys, desks with open and closed branches (Mermaid, DOT, SVG)."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from ivr.engine.model import Bundle
from ivr.engine.model import NodeType
from ivr.settings import FileConfig

DAYS = {"mon": "Mo", "tue": "Di", "wed": "Mi", "thu": "Do", "fri": "Fr", "sat": "Sa", "sun": "So"}
WORDS: Mapping[str, str] = {
    "call": "☎ incoming call", "connect": "connect {number}",
    "callback": "callback task\ndue within {hours} service hours", "open": "open", "closed": "closed / busy",
    "always": "always", "languages": "languages: {languages}", "no_key": "no key", "wrong_keys": "no / wrong keys",
    "title": "Hotline flows, version {version}", **DAYS,
}
"""The drawing's words as `ivr flows graph` prints them; a page passes the same keys in its reader's language."""


@dataclass(frozen=True)
class Box:
    """One box of the drawing."""

    id: str
    label: str
    kind: str  # start | say | menu | desk | open | closed | hangup


@dataclass(frozen=True)
class Arrow:
    """One arrow, with its keys or condition."""

    source: str
    target: str
    label: str = ""
    dashed: bool = False


def _hours(hours: dict[str, list[str]], words: Mapping[str, str]) -> str:
    groups: OrderedDict[str, list[str]] = OrderedDict()
    for day, ranges in hours.items():
        groups.setdefault(", ".join(ranges), []).append(words.get(day, day))
    return "; ".join(f"{'/'.join(days)} {ranges}" for ranges, days in groups.items())


def _wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width)) if text else ""


def layout(bundle: Bundle, config: FileConfig, words: Mapping[str, str] = WORDS,
           lang: str = "de") -> tuple[list[Box], list[Arrow]]:
    """The boxes and arrows of the entry flow (desk names in `lang`); several keys to one place share an arrow."""
    flow = bundle.flow
    boxes = [Box("call", words["call"], "start")]
    arrows = [Arrow("call", flow.start)]
    for node in flow.nodes.values():
        if node.type is NodeType.DESK or node.type is NodeType.CALLBACK:
            desk = config.desks[node.desk or ""]
            name = desk.name.get(lang) or desk.name.get("de") or node.desk or ""
            boxes.append(Box(node.id, f"{name}\n{_hours(desk.hours, words)}", "desk"))
            if node.type is NodeType.DESK:
                boxes.append(Box(node.id + "__open", words["connect"].format(number=desk.number), "open"))
                arrows.append(Arrow(node.id, node.id + "__open", words["open"]))
            boxes.append(Box(node.id + "__closed", words["callback"].format(hours=desk.callback_promise_hours),
                             "closed"))
            arrows.append(Arrow(node.id, node.id + "__closed", words["closed"] if node.type is NodeType.DESK
                                else words["always"]))
            continue
        title = f"{node.id} ({node.type.value})"
        said = words["languages"].format(languages=", ".join(flow.languages)) if node.language_menu else \
            ", ".join(ref.prompt for ref in node.say)
        detail = _wrap(node.description or said)
        kind = "say" if node.type is NodeType.GOTO else node.type.value
        boxes.append(Box(node.id, f"{title}\n{detail}".strip(), kind))
        if node.next:
            arrows.append(Arrow(node.id, node.next))
        keys: OrderedDict[str, list[str]] = OrderedDict()
        for key, target in node.options:
            keys.setdefault(target.node, []).append(key)
        for target, pressed in keys.items():
            label = f"{pressed[0]}–{pressed[-1]}" if len(pressed) > 2 else ", ".join(pressed)
            arrows.append(Arrow(node.id, target, label))
        if node.no_input is not None:
            arrows.append(Arrow(node.id, node.no_input.node, words["no_key"], dashed=True))
        if node.on_failure and node.type is NodeType.MENU:
            arrows.append(Arrow(node.id, node.on_failure, words["wrong_keys"], dashed=True))
    return boxes, arrows


def mermaid(bundle: Bundle, config: FileConfig, words: Mapping[str, str] = WORDS, lang: str = "de") -> str:
    """Mermaid flowchart text (GitHub and many editors draw it)."""
    shapes = {"start": ('(["', '"])'), "menu": ('{{"', '"}}'), "desk": ('[["', '"]]'), "open": ('(["', '"])'),
              "closed": ('[/"', '"/]'), "hangup": ('(("', '"))')}
    lines = ["flowchart LR"]
    boxes, arrows = layout(bundle, config, words, lang)
    for box in boxes:
        left, right = shapes.get(box.kind, ('["', '"]'))
        text = box.label.replace("\n", "<br/>").replace('"', "#quot;")
        lines.append(f"  {box.id}{left}{text}{right}")
    for arrow in arrows:
        line = "-.->" if arrow.dashed else "-->"
        label = f"|{arrow.label}|" if arrow.label else ""
        lines.append(f"  {arrow.source} {line}{label} {arrow.target}")
    lines += ["  classDef open fill:#d9f2d9,stroke:#2e7d32", "  classDef closed fill:#fff3cd,stroke:#b7791f",
              "  classDef menu fill:#e3ecfa,stroke:#1f4e9c"]
    for kind in ("open", "closed", "menu"):
        ids = [b.id for b in boxes if b.kind == kind]
        if ids:
            lines.append(f"  class {','.join(ids)} {kind}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(bundle: Bundle, config: FileConfig, words: Mapping[str, str] = WORDS, lang: str = "de") -> str:
    """Graphviz DOT source of the drawing."""
    style = {"start": "shape=oval, style=filled, fillcolor=\"#eeeeee\"",
             "say": "shape=box, style=rounded",
             "announcement": "shape=box, style=\"rounded,dashed\"",
             "menu": "shape=box, style=\"rounded,filled\", fillcolor=\"#e3ecfa\", color=\"#1f4e9c\"",
             "desk": "shape=box, style=\"filled,bold\", fillcolor=\"#ffffff\"",
             "open": "shape=oval, style=filled, fillcolor=\"#d9f2d9\", color=\"#2e7d32\"",
             "closed": "shape=note, style=filled, fillcolor=\"#fff3cd\", color=\"#b7791f\"",
             "hangup": "shape=doublecircle"}
    boxes, arrows = layout(bundle, config, words, lang)
    lines = ["digraph hotline {", "  rankdir=LR; nodesep=0.25; ranksep=0.6;",
             f"  label={_quote(words['title'].format(version=bundle.version))}; labelloc=t;",
             "  fontname=\"sans-serif\";", "  node [fontname=\"sans-serif\", fontsize=11];",
             "  edge [fontname=\"sans-serif\", fontsize=10];"]
    lines += [f"  {b.id} [label={_quote(b.label)}, {style.get(b.kind, 'shape=box')}];" for b in boxes]
    for a in arrows:
        attrs = [f"label={_quote(a.label)}"] if a.label else []
        if a.dashed:
            attrs += ["style=dashed", "color=\"#888888\""]
        lines.append(f"  {a.source} -> {a.target}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    return "\n".join(lines + ["}"]) + "\n"


def svg(bundle: Bundle, config: FileConfig, words: Mapping[str, str] = WORDS, lang: str = "de") -> str:
    """SVG drawn by Graphviz `dot` (Debian package graphviz)."""
    program = shutil.which("dot")
    if program is None:
        raise RuntimeError("Graphviz is not installed (apt-get install graphviz); use --format mermaid")
    result = subprocess.run([program, "-Tsvg"], input=dot(bundle, config, words, lang), capture_output=True, text=True,
                            check=True, timeout=60)
    return result.stdout
