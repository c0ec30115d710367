"""Operators' pages: the flow graph and a phone in the browser, on the same simulator as `ivr simulate`; the
notices page (closures, announcement, overflow number) is in `notices`, on the same blueprint `bp`."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from typing import Annotated
from typing import Any

from flask import jsonify
from flask import render_template
from flask import request
from markupsafe import Markup
from pydantic import Field

from ivr.core.roles import OPERATING_ROLES
from ivr.flowops.simulator import Call
from ivr.flowops.simulator import Ending
from ivr.flowops.simulator import Note
from ivr.flowops.simulator import Simulator
from ivr.flowops.simulator import Turn
from ivr.flowops.simulator import local_time
from ivr.web import inputs
from ivr.web.auth import login_required
from ivr.web.filters import phone
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.operators import notices  # noqa: F401  (its routes)
from ivr.web.operators.blueprint import app_factory
from ivr.web.operators.blueprint import bp
from ivr.web.services import services

MAX_CALLS = 8
"""Simulated calls kept per web process; older ones are replayed from their keys when needed."""
MAX_KEYS = 200

Short = Annotated[str, Field(max_length=64)]


class _Setup(inputs.Body):
    """How a simulated call starts; empty values mean now, any language, the default caller, nothing closed."""

    at: Short | None = None
    lang: Short | None = None
    caller: Short | None = None
    closed: list[Short] | None = Field(None, max_length=64)
    agents: Annotated[str, Field(max_length=256)] | None = None  # "info:de,ar;helpers:de": simulated people


class _Run(inputs.Body):
    """POST /operator/simulator/run."""

    setup: _Setup | None = None
    keys: list[Short] | None = Field(None, max_length=MAX_KEYS)
    hang_up: bool | None = None


_calls: OrderedDict[str, tuple[Simulator, Call]] = OrderedDict()
_lock = threading.Lock()
_graphs: dict[tuple[str, str, str], Markup] = {}
ALL = "all"
"""The view of the whole drawing at once."""


def _graph(view: str) -> Markup:
    """One view of the live drawing in the reader's language (a menu's part, or "all"): inline SVG at its natural
    size (the page zooms it), Mermaid text without Graphviz; cached per version, language and view."""
    from ivr.flowops import graph as flowgraph
    from ivr.settings import load_config

    svc = services()
    bundle = svc.store.current
    lang = ui_lang()
    key = (bundle.version, lang, view)
    if key not in _graphs:
        config = load_config(svc.settings.config_path)
        words = {key: translate(f"wd_{key}" if key in flowgraph.DAYS else f"g_{key}") for key in flowgraph.WORDS}
        menu = None if view == ALL else view
        try:
            svg = flowgraph.svg(bundle, config, words, lang, menu, "?view={node}", phone)
            svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype
            svg = svg.replace("<svg ", f'<svg data-view="{view}" ', 1)
            _graphs[key] = Markup(re.sub(r"<title>[^<]*</title>\n?", "", svg))  # node ids as titles: noise
        except RuntimeError:
            drawn = flowgraph.mermaid(bundle, config, words, lang)
            _graphs[key] = Markup("<pre>") + drawn + Markup("</pre>")
    return _graphs[key]


def _views() -> list[tuple[str, str]]:
    from ivr.flowops import graph as flowgraph

    menus = flowgraph.menus(services().store.current)
    return [(m, translate("sim_view_menu", node=m)) for m in menus] + [(ALL, translate("sim_view_all"))]


def _view() -> str:
    views = [v for v, _name in _views()]
    asked = request.args.get("view", "")
    return asked if asked in views else views[0]


def _desk_name(desk: str) -> str:
    names = services().settings.desks[desk].name
    return names.get(ui_lang()) or names.get("de") or desk


@bp.get("/simulator")
@login_required(roles=OPERATING_ROLES)
def simulator():
    """The graph and the phone."""
    svc = services()
    bundle = svc.store.current
    languages = [(lid, bundle.languages[lid].name) for lid in bundle.flow.languages]
    desks = sorted(((d, _desk_name(d)) for d in svc.settings.desks), key=lambda pair: pair[1].lower())
    view = _view()
    return render_template("operators/simulator.html", graph=_graph(view), view=view, views=_views(),
                           version=bundle.version, languages=languages, desks=desks)


@bp.get("/simulator/graph")
@login_required(roles=OPERATING_ROLES)
def graph():
    """One view of the drawing, for the page to swap in without reloading the phone."""
    return _graph(_view())


def _turn(turn: Turn) -> dict[str, Any]:
    return {"heard": [{"text": h.text, "language": h.language, "audio": h.audio} for h in turn.heard],
            "waits": turn.waits, "dialed": phone(turn.dialed) if turn.dialed else None, "queue": turn.queue,
            "notes": [_note(n) for n in turn.notes]}


def _note(note: str) -> str:
    """What happened beside the caller's ear (who was offered the call, ...), in the interface language."""
    return translate(f"sim_note_{note.key}").format(**note.params) if isinstance(note, Note) else note


def _key(setup: dict[str, Any], keys: list[str]) -> str:
    return json.dumps([setup, keys], sort_keys=True)


def _replay(setup: dict[str, Any], keys: list[str]) -> tuple[Simulator, Call]:
    """The call after `keys`: continued from this process's cache, else replayed from the start.

    Web processes share nothing in memory, so each request carries the whole call (setup and keys so far);
    replaying is deterministic because the clock, the caller and the closures are part of the setup.
    """
    with _lock:
        cached = _calls.pop(_key(setup, keys[:-1]), None) if keys else None
    if cached is not None:
        sim, call = cached
        if call.last.waits != "end":
            call.press(keys[-1])
        return sim, call
    svc = services()
    settings = svc.settings
    at = local_time(setup["at"], svc.tz)
    sim = Simulator(app_factory(), at, tuple(setup["closed"]),
                    {"IVR_CONFIG": settings.config_path, "IVR_FLOWS_DIR": settings.flows_dir}, setup["agents"])
    call = sim.call(setup["caller"])
    chosen = sim.language_key(setup["lang"]) if setup["lang"] else None
    for token in ([chosen] if chosen else []) + keys:
        if call.last.waits == "end":
            break
        call.press(token)
    return sim, call


def _keep(setup: dict[str, Any], keys: list[str], sim: Simulator, call: Call) -> None:
    with _lock:
        _calls[_key(setup, keys)] = (sim, call)
        old = _calls.popitem(last=False) if len(_calls) > MAX_CALLS else None
    if old is not None:
        _evicted_key, (evicted, _call) = old
        evicted.close()


def _describe(ending: Ending) -> str:
    """Where the call ended, in the interface language (the desk by its name, the number as people read it)."""
    key = {"transferred": "sim_end_transferred", "callback": "sim_end_callback", "answered": "sim_end_answered"}.get(
        ending.kind, "sim_end_hung_up_at" if ending.desk else "sim_end_hung_up")
    desk = _desk_name(ending.desk) if ending.desk in services().settings.desks else ending.desk
    return translate(key).format(desk=desk, number=phone(ending.number) if ending.number else "", person=ending.person)


@bp.post("/simulator/run")
@login_required(roles=OPERATING_ROLES)
def run():
    """{setup: {lang, at, caller, closed}, keys: [...], hang_up} -> every turn so far, and the ending."""
    try:
        data = inputs.read(_Run)
    except inputs.InputError as exc:
        return jsonify(error=str(exc)), 400
    raw = data.setup or _Setup()
    svc = services()
    local = svc.clock().astimezone(svc.tz).strftime("%Y-%m-%d %H:%M")
    setup = {"at": (raw.at or local)[:16], "lang": (raw.lang or "")[:8],
             "caller": (raw.caller or "+4917612345678")[:32], "closed": sorted(raw.closed or ()),
             "agents": (raw.agents or "").strip()}
    keys = [k[:32] for k in data.keys or []]
    try:
        sim, call = _replay(setup, keys)
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    turns = [_turn(t) for t in call.turns]
    chosen = sim.language_key(setup["lang"]) if setup["lang"] else None
    result: dict[str, Any] = {"setup": setup, "turns": turns, "waits": call.last.waits, "chosen": chosen}
    if data.hang_up or call.last.waits == "end":
        if call.last.waits == "dial":
            call.press("completed")
            result["turns"] = [_turn(t) for t in call.turns]
        ending = call.hang_up()
        sim.close()
        result.update(ending=_describe(ending), kind=ending.kind, desk=ending.desk, number=ending.number)
    else:
        _keep(setup, keys, sim, call)
    return jsonify(result)
