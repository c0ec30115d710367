"""Draw the hotline on one page: menus and keys, desks with open and closed branches (Mermaid, DOT, SVG)."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from collections import OrderedDict
from collections.abc import Callable
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
    "title": "Hotline flows, version {version}", "t_say": "say", "t_announcement": "announcement", "t_menu": "menu",
    "t_goto": "goto", "t_hangup": "hangup", "goes_on": "on to: {node}",
    "announcement_detail": "the operators' announcement, when one is set", **DAYS,
}
"""The drawing's words as `ivr flows graph` prints them; a page passes the same keys in its reader's language."""


@dataclass(frozen=True)
class Box:
    """One box of the drawing."""

    id: str
    label: str
    kind: str  # start | say | announcement | menu | desk | open | closed | hangup | link (a menu drawn elsewhere)
    note: str = ""  # the flow's description of the node (a tooltip)


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


def _wrap(text: str, width: int = 34, lines: int = 3) -> str:
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder=" …")) if text else ""


def _said(bundle: Bundle, node_say: tuple, lang: str) -> str:
    """What a node says first, in `lang` (German when the prompt lacks it), placeholders left as they are."""
    for ref in node_say:
        texts = bundle.prompts.get(ref.prompt, {})
        text = texts.get(lang) or texts.get("de")
        if text:
            return " ".join(text.split())
    return ""


def layout(bundle: Bundle, config: FileConfig, words: Mapping[str, str] = WORDS, lang: str = "de",
           number: Callable[[str], str] = str) -> tuple[list[Box], list[Arrow]]:
    """The boxes and arrows of the entry flow (desk names in `lang`, transfer numbers as `number` writes them);
    several keys to one place share an arrow."""
    flow = bundle.flow
    boxes = [Box("call", words["call"], "start")]
    arrows = [Arrow("call", flow.start)]
    for node in flow.nodes.values():
        if node.type is NodeType.DESK or node.type is NodeType.CALLBACK:
            desk = config.desks[node.desk or ""]
            name = desk.name.get(lang) or desk.name.get("de") or node.desk or ""
            boxes.append(Box(node.id, f"{name}\n{_hours(desk.hours, words)}", "desk"))
            if node.type is NodeType.DESK:
                boxes.append(Box(node.id + "__open", words["connect"].format(number=number(desk.number)), "open"))
                arrows.append(Arrow(node.id, node.id + "__open", words["open"]))
            boxes.append(Box(node.id + "__closed", words["callback"].format(hours=desk.callback_promise_hours),
                             "closed"))
            arrows.append(Arrow(node.id, node.id + "__closed", words["closed"] if node.type is NodeType.DESK
                                else words["always"]))
            continue
        title = f"{node.id} ({words.get('t_' + node.type.value, node.type.value)})"
        said = words["languages"].format(languages=", ".join(flow.languages)) if node.language_menu else \
            _said(bundle, node.say, lang)
        if not said and node.type is NodeType.ANNOUNCEMENT:
            said = words["announcement_detail"]
        detail = _wrap(said or node.description)
        kind = "say" if node.type is NodeType.GOTO else node.type.value
        boxes.append(Box(node.id, f"{title}\n{detail}".strip(), kind, node.description))
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


INLINE_KINDS = {"start", "say", "announcement", "desk"}
"""Boxes a menu's view follows on from: they pass the caller on without asking (a desk to its two branches)."""


def menus(bundle: Bundle) -> list[str]:
    """The menus of the entry flow, the first one a caller meets first (the views a page offers)."""
    flow = bundle.flow
    order, queue = [], [flow.start]
    while queue:
        node = flow.nodes.get(queue.pop(0))
        if node is None or node.id in order:
            continue
        order.append(node.id)
        queue += ([node.next] if node.next else []) + [target.node for _key, target in node.options]
        queue += [node.no_input.node] if node.no_input else []
        queue += [node.on_failure] if node.on_failure else []
    return [n for n in order if flow.nodes[n].type is NodeType.MENU]


def view(boxes: list[Box], arrows: list[Arrow], menu: str, first: bool,
         words: Mapping[str, str] = WORDS) -> tuple[list[Box], list[Arrow]]:
    """One menu's part of the drawing: the menu, where its keys lead on (through messages to the next menu or
    desk, a desk with its open and closed branches); other menus as `link` boxes. The `first` menu a caller
    meets also shows the way from the incoming call to it."""
    leaving: dict[str, list[Arrow]] = {}
    for arrow in arrows:
        leaving.setdefault(arrow.source, []).append(arrow)
    kinds = {box.id: box.kind for box in boxes}
    followed, seen = {menu}, {menu}
    todo = [menu] + (["call"] if first else [])
    if first:
        followed.add("call")
        seen.add("call")
    while todo:
        for arrow in leaving.get(todo.pop(), []):
            seen.add(arrow.target)
            if kinds.get(arrow.target) in INLINE_KINDS and arrow.target not in followed:
                followed.add(arrow.target)
                todo.append(arrow.target)
    shown = [box if box.id in followed or box.kind != "menu" else
             Box(box.id, words["goes_on"].format(node=box.label.split("\n")[0]), "link", box.note)
             for box in boxes if box.id in seen]
    return shown, [a for a in arrows if a.source in followed and a.target in seen]


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


def dot(bundle: Bundle, config: FileConfig, words: Mapping[str, str] = WORDS, lang: str = "de",
        menu: str | None = None, link: str = "", number: Callable[[str], str] = str) -> str:
    """Graphviz DOT source of the drawing, or of one `menu`'s part (other menus linked by `link`, e.g.
    "?view={node}")."""
    style = {"start": "shape=oval, style=filled, fillcolor=\"#eeeeee\"",
             "say": "shape=box, style=rounded",
             "announcement": "shape=box, style=\"rounded,dashed\"",
             "menu": "shape=box, style=\"rounded,filled\", fillcolor=\"#e3ecfa\", color=\"#1f4e9c\"",
             "desk": "shape=box, style=\"filled,bold\", fillcolor=\"#ffffff\"",
             "open": "shape=oval, style=filled, fillcolor=\"#d9f2d9\", color=\"#2e7d32\"",
             "closed": "shape=note, style=filled, fillcolor=\"#fff3cd\", color=\"#b7791f\"",
             "hangup": "shape=doublecircle",
             "link": "shape=box, style=\"rounded,dashed,filled\", fillcolor=\"#f3f6fb\", color=\"#1f4e9c\""}
    boxes, arrows = layout(bundle, config, words, lang, number)
    if menu is not None:
        entry = menus(bundle)
        boxes, arrows = view(boxes, arrows, menu, bool(entry) and entry[0] == menu, words)
    chain = menu is not None and all(len({a.target for a in arrows if a.source == b.id}) <= 1 for b in boxes)
    lines = ["digraph hotline {", f"  rankdir={'TB' if chain else 'LR'}; nodesep=0.25; ranksep=0.6;",  # a chain: down
             f"  label={_quote(words['title'].format(version=bundle.version))}; labelloc=t;",
             "  fontname=\"sans-serif\";", "  node [fontname=\"sans-serif\", fontsize=11];",
             "  edge [fontname=\"sans-serif\", fontsize=10];"]
    for b in boxes:
        extra = f", URL={_quote(link.format(node=b.id))}, target=\"_self\"" if b.kind == "link" and link else ""
        extra += f", tooltip={_quote(b.note)}" if b.note else ""
        lines.append(f"  {b.id} [label={_quote(b.label)}, {style.get(b.kind, 'shape=box')}{extra}];")
    for a in arrows:
        attrs = [f"label={_quote(a.label)}"] if a.label else []
        if a.dashed:
            attrs += ["style=dashed", "color=\"#888888\""]
        lines.append(f"  {a.source} -> {a.target}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    return "\n".join(lines + ["}"]) + "\n"


def svg(bundle: Bundle, config: FileConfig, words: Mapping[str, str] = WORDS, lang: str = "de",
        menu: str | None = None, link: str = "", number: Callable[[str], str] = str) -> str:
    """SVG drawn by Graphviz `dot` (Debian package graphviz), of everything or of one `menu`'s part."""
    program = shutil.which("dot")
    if program is None:
        raise RuntimeError("Graphviz is not installed (apt-get install graphviz); use --format mermaid")
    result = subprocess.run([program, "-Tsvg"], input=dot(bundle, config, words, lang, menu, link, number),
                            capture_output=True, text=True, check=True, timeout=60)
    return result.stdout
