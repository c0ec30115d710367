"""Path rules of a flow: calls end with a goodbye, stuck callers reach a person, no inescapable loops."""

from __future__ import annotations

from collections.abc import Iterator

from ivr.core.yamldoc import Document
from ivr.core.yamldoc import Problem
from ivr.engine import schema

GOODBYE = "goodbye"
"""The prompt a hangup node must speak (alone or among others), so no call ends in silence."""
PEOPLE = {"desk", "callback"}  # nodes where a caller reaches a person or leaves a callback request
INLINE = {"say", "goto", "announcement"}  # nodes that pass straight on to `next`


def _prompt_ids(node: schema.BaseModel) -> list[str]:
    return [item if isinstance(item, str) else item.prompt for item in getattr(node, "say", [])]


def _next(value: str | schema.Target | None) -> str | None:
    return value if value is None or isinstance(value, str) else value.next


def _chosen_exits(node: schema.BaseModel) -> Iterator[str]:
    """Exits a caller takes on purpose (keys, silence, plain continuation) — not on_failure."""
    if isinstance(node, schema.MenuNode):
        yield from (t for t in (_next(v) for v in node.options.values()) if t)
        if node.no_input is not None:
            yield _next(node.no_input) or ""
    elif hasattr(node, "next"):
        yield node.next  # type: ignore[attr-defined]


def check_paths(doc: Document, raw: schema.FlowFile) -> list[Problem]:
    """Return dead ends, menus whose stuck callers reach nobody, and loops a caller cannot leave."""
    return _dead_ends(doc, raw) + _stuck_callers(doc, raw) + _closed_loops(doc, raw)


def _dead_ends(doc: Document, raw: schema.FlowFile) -> list[Problem]:
    problems = []
    for nid, node in raw.nodes.items():
        if isinstance(node, schema.HangupNode) and GOODBYE not in _prompt_ids(node):
            problems.append(doc.problem(("nodes", nid, "say"), f"node {nid!r}: dead end, the call ends "
                                        f"without a goodbye (a hangup node must say the prompt {GOODBYE!r})"))
    return problems


def _stuck_callers(doc: Document, raw: schema.FlowFile) -> list[Problem]:
    """A caller who presses nothing or wrong keys follows on_failure until a desk or callback takes them."""
    problems = []
    for nid, node in raw.nodes.items():
        if not isinstance(node, schema.MenuNode):
            continue
        trail, current = [nid], node.on_failure
        while True:
            target = raw.nodes.get(current)
            if target is None:  # unknown nodes are reported by the reference check
                break
            if target.type in PEOPLE:
                break
            if current in trail:
                circle = " -> ".join(trail + [current])
                problems.append(doc.problem(("nodes", nid, "on_failure"), f"node {nid!r}: a caller who "
                                            f"presses no or wrong keys goes round in circles ({circle}) "
                                            "instead of reaching a desk or a callback"))
                break
            trail.append(current)
            if isinstance(target, schema.HangupNode):
                problems.append(doc.problem(("nodes", nid, "on_failure"), f"node {nid!r}: a caller who "
                                            f"presses no or wrong keys is hung up at {current!r} instead of "
                                            "reaching a desk or a callback"))
                break
            menu = isinstance(target, schema.MenuNode)
            current = target.on_failure if menu else getattr(target, "next", "")
    return problems


def _components(raw: schema.FlowFile) -> list[list[str]]:
    """Strongly connected components over the exits a caller chooses (Tarjan, iterative)."""
    edges = {nid: [t for t in _chosen_exits(node) if t in raw.nodes] for nid, node in raw.nodes.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in raw.nodes:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            nid, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[nid])
                if low[nid] == index[nid]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == nid:
                            break
                    found.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(edges[child])))
            elif child in on_stack:
                low[nid] = min(low[nid], index[child])
    return found


def _closed_loops(doc: Document, raw: schema.FlowFile) -> list[Problem]:
    problems = []
    order = list(raw.nodes)
    for component in _components(raw):
        members = set(component)
        loops = len(component) > 1 or component[0] in set(_chosen_exits(raw.nodes[component[0]]))
        if not loops or not any(isinstance(raw.nodes[m], schema.MenuNode) for m in members):
            continue  # non-waiting loops are reported by the validator
        leaves = any(t not in members for m in members for t in _chosen_exits(raw.nodes[m]))
        if not leaves:
            names = sorted(members, key=order.index)
            problems.append(doc.problem(("nodes", names[0]), f"nodes {', '.join(names)} form a loop a caller "
                                        "cannot leave: no key leads out to a desk, a callback or a goodbye"))
    return problems
