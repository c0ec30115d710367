"""The step function: (bundle, state, event, context) -> what the caller hears next. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping

from ivr.engine import prompts as prompt_text
from ivr.engine.hours import DeskStatus
from ivr.engine.model import Bundle
from ivr.engine.model import CallbackRequested
from ivr.engine.model import Context
from ivr.engine.model import Dial
from ivr.engine.model import Effect
from ivr.engine.model import Event
from ivr.engine.model import Gather
from ivr.engine.model import Hangup
from ivr.engine.model import Node
from ivr.engine.model import NodeType
from ivr.engine.model import Outcome
from ivr.engine.model import Reached
from ivr.engine.model import Record
from ivr.engine.model import RecordingAttached
from ivr.engine.model import Redirect
from ivr.engine.model import Speak
from ivr.engine.model import State
from ivr.engine.model import Step
from ivr.engine.model import Utterance
from ivr.errors import UnknownNodeError

MAX_INLINE = 32
"""Nodes one webhook may pass through without waiting for the caller (the validator forbids loops)."""
ENTRY_TIMEOUT = 12
"""Seconds of silence that end a phone-number entry; callers need longer than for one key."""
ANSWERED = {"completed", "answered"}


class _Out:
    """Collects what one step says and does."""

    def __init__(self, bundle: Bundle, state: State):
        self.bundle, self.state = bundle, state
        self.pending: list[Utterance] = []
        self.actions: list = []
        self.effects: list[Effect] = []
        self.visited: list[str] = []
        self.private = False

    def lang_for(self, forced: str | None = None) -> str | None:
        lang = forced or self.state.lang
        if lang in self.bundle.available:
            return lang
        return None if forced else self.bundle.default_language

    def render(self, prompt: str, values: Mapping[str, object] | None = None,
               forced: str | None = None) -> tuple[Utterance, ...]:
        lang = self.lang_for(forced)
        if lang is None:  # a forced language without audio is left out (e.g. in the language menu)
            return ()
        if values and "digits" in values:
            self.private = True
        return prompt_text.speak(self.bundle, prompt, lang, values)  # type: ignore[arg-type]

    def say(self, prompt: str, values: Mapping[str, object] | None = None) -> None:
        self.pending.extend(self.render(prompt, values))

    def flush(self) -> None:
        if self.pending:
            self.actions.append(Speak(tuple(self.pending)))
            self.pending = []

    def gather(self, state: State, items: tuple[Utterance, ...], timeout: int, num_digits: int | None = 1,
               finish_on_key: str = "") -> None:
        self.flush()
        self.actions.append(Gather(state, items, timeout, num_digits, finish_on_key))

    def end(self) -> None:
        self.say("goodbye")
        self.flush()
        self.actions.append(Hangup())

    def step(self) -> Step:
        self.flush()
        return Step(tuple(self.actions), tuple(self.effects), tuple(self.visited), self.private, self.state.lang)


def node_of(bundle: Bundle, state: State) -> Node:
    """Return the node a state points at; raise UnknownNodeError for a forged or stale state."""
    flow = bundle.flows.get(state.flow or bundle.entry)
    if flow is None or state.node not in flow.nodes:
        raise UnknownNodeError(f"no node {state.node!r} in flow {state.flow!r} of version {bundle.version}")
    return flow.nodes[state.node]


def start(bundle: Bundle, ctx: Context) -> Step:
    """Begin a call at the entry flow's start node."""
    flow = bundle.flow
    state = State(node=flow.start, lang=bundle.default_language, version=bundle.version, flow=flow.id)
    out = _Out(bundle, state)
    _enter(out, state, ctx)
    return out.step()


def step(bundle: Bundle, state: State, event: Event, ctx: Context) -> Step:
    """Answer the caller's input at `state`."""
    node = node_of(bundle, state)
    if state.lang not in bundle.languages:
        state = state.but(lang=bundle.default_language)
    out = _Out(bundle, state)
    if node.type is NodeType.MENU:
        _menu_input(out, node, state, event, ctx)
    elif node.type in (NodeType.DESK, NodeType.CALLBACK):
        _desk_input(out, node, state, event, ctx)
    else:  # a Redirect to an inline node: run it from the start
        _enter(out, state, ctx)
    return out.step()


def _enter(out: _Out, state: State, ctx: Context) -> None:
    for _ in range(MAX_INLINE):
        out.state = state
        node = node_of(out.bundle, state)
        out.visited.append(node.id)
        for ref in node.say if node.type in (NodeType.SAY, NodeType.HANGUP, NodeType.DESK,
                                             NodeType.CALLBACK) else ():
            out.pending.extend(out.render(ref.prompt, forced=ref.language))
        if node.type in (NodeType.SAY, NodeType.GOTO):
            state = state.at(node.next or "")
            continue
        if node.type is NodeType.ANNOUNCEMENT:
            announcement = ctx.announcement()
            if announcement is not None and announcement.until > ctx.now:
                out.say("emergency")
                _operator_text(out, announcement.text(state.lang), "closed_all")
            state = state.at(node.next or "")
            continue
        if node.type is NodeType.MENU:
            _menu_prompt(out, node, state)
        elif node.type is NodeType.HANGUP:
            out.flush()
            out.actions.append(Hangup())
        elif node.type is NodeType.DESK:
            _desk_enter(out, node, state, ctx)
        else:
            _offer_callback(out, node, state, ctx)
        return
    raise UnknownNodeError(f"more than {MAX_INLINE} nodes without input after {state.node!r}")


def _operator_text(out: _Out, text: str | None, fallback_prompt: str) -> None:
    lang = out.lang_for()
    if text and lang and not out.bundle.languages[lang].audio:
        out.pending.extend(prompt_text.say_text(out.bundle, text, lang))
    else:  # recorded languages have no audio for free text: the built-in clip stands in
        out.say(fallback_prompt)


# --- menus ---------------------------------------------------------------------------------------


def _menu_prompt(out: _Out, node: Node, state: State) -> None:
    items: list[Utterance] = []
    for ref in node.say:
        items.extend(out.render(ref.prompt, forced=ref.language))
    out.gather(state, tuple(items), node.timeout)


def _menu_input(out: _Out, node: Node, state: State, event: Event, ctx: Context) -> None:
    digits = (event.digits or "").strip()
    out.visited.append(node.id)
    if digits == "*":
        _menu_prompt(out, node, state.but(retries=0))
        return
    target = node.option(digits) if digits else node.no_input
    if target is not None:
        lang = target.language if target.language in out.bundle.available else (
            out.bundle.default_language if target.language else state.lang)
        out.visited.pop()
        _enter(out, state.at(target.node, lang=lang), ctx)
        return
    retries = state.retries + 1
    if retries > node.max_retries:
        out.visited.pop()
        _enter(out, state.at(node.on_failure or ""), ctx)
        return
    out.say("invalid" if digits else "no_input")
    _menu_prompt(out, node, state.but(retries=retries))


# --- desks and callbacks -------------------------------------------------------------------------


def _closed_message(out: _Out, status: DeskStatus) -> None:
    if status.reason == "operator":
        _operator_text(out, status.closure.text(out.state.lang) if status.closure else None, "closed_today")
    else:
        out.say({"holiday": "closed_holiday", "closure_day": "closed_today"}.get(status.reason, "closed_hours"))
    _open_again(out, status)


def _open_again(out: _Out, status: DeskStatus) -> None:
    if status.next_open is not None:
        when = status.next_open
        out.say("open_again", {"weekday": when.weekday(), "time": (when.hour, when.minute)})


def _desk_enter(out: _Out, node: Node, state: State, ctx: Context) -> None:
    desk = node.desk or ""
    out.effects.append(Reached(desk, None))  # type: ignore[arg-type]
    status = ctx.desk_status(desk)
    if status.open:
        out.say("hold")
        out.flush()
        out.actions.append(Dial(out.bundle.desk_numbers[desk], state.but(sub="dialed"), out.bundle.dial_timeout))
        return
    overflow = ctx.overflow_number() if status.reason == "operator" else None
    if overflow:
        out.say("hold")
        out.flush()
        out.actions.append(Dial(overflow, state.but(sub="dialed"), out.bundle.dial_timeout))
        return
    _closed_message(out, status)
    out.say("cb_offer")
    _offer_callback(out, node, state, ctx)


def _readable(e164: str) -> str:
    """Digits a caller would dial: national form for German numbers, 00 + country for others."""
    return "0" + e164[3:] if e164.startswith("+49") else "00" + e164[1:]


def _offer_callback(out: _Out, node: Node, state: State, ctx: Context) -> None:
    if not out.visited or out.visited[-1] != node.id:
        out.visited.append(node.id)
    if node.type is NodeType.CALLBACK:
        out.effects.append(Reached(node.desk or "", None))  # type: ignore[arg-type]
    check = ctx.check_number(ctx.caller) if ctx.caller else None
    if check is None or not check.ok or not check.e164:
        _ask_number(out, state.but(sub="entry", retries=0))
        return
    if ctx.has_open_callback(node.desk or "", check.e164):
        out.say("cb_exists")
        out.end()
        return
    items = out.render("cb_choice", {"digits": _readable(check.e164)})
    out.gather(state.but(sub="choice"), items, out.bundle.menu_timeout)


def _ask_number(out: _Out, state: State) -> None:
    out.gather(state, out.render("cb_enter"), ENTRY_TIMEOUT, num_digits=None, finish_on_key="#")


def _desk_input(out: _Out, node: Node, state: State, event: Event, ctx: Context) -> None:
    out.visited.append(node.id)
    sub, digits = state.sub, (event.digits or "").strip()
    desk = node.desk or ""
    if sub == "dialed":
        if event.dial_status in ANSWERED:
            out.effects.append(Reached(desk, Outcome.TRANSFERRED))
            out.flush()
            out.actions.append(Hangup())
            return
        out.say("desk_busy")
        out.say("cb_offer")
        _offer_callback(out, node, state.but(sub=""), ctx)
    elif sub == "choice":
        _choice_input(out, node, state, digits, ctx)
    elif sub == "entry":
        _entry_input(out, node, state, digits, ctx)
    elif sub in ("confirm", "consent") and digits == "0" and desk != out.bundle.fallback_desk:
        _to_person(out, state, ctx)
    elif sub == "confirm":
        if digits == "1" and state.number:
            _settle(out, node, state, state.number, ctx)
        elif digits == "*" and state.number:
            items = out.render("cb_readback", {"digits": _readable(state.number)})
            out.gather(state, items, out.bundle.menu_timeout)
        elif digits == "2":
            _ask_number(out, state.but(sub="entry", number=None, retries=0))
        else:
            _failed_entry(out, node, state, ctx, "cb_invalid")
    elif sub == "consent":
        if digits == "1":
            out.say("record")
            out.flush()
            out.actions.append(Record(state.but(sub="recorded"), out.bundle.recording_seconds))
            out.actions.append(Redirect(state.but(sub="recorded")))
        elif digits == "2" or (digits != "*" and state.retries >= node.max_retries):
            _promise(out, desk)
        elif digits == "*":
            out.gather(state, out.render("consent"), out.bundle.menu_timeout)
        else:
            out.say("invalid" if digits else "no_input")
            out.gather(state.but(retries=state.retries + 1), out.render("consent"), out.bundle.menu_timeout)
    elif sub == "recorded":
        if event.recording_url:
            out.effects.append(RecordingAttached(desk, event.recording_url, event.recording_sid,
                                                 event.recording_duration))
            out.say("recorded")
        _promise(out, desk)
    elif sub == "fallback":
        if event.dial_status in ANSWERED:
            out.effects.append(Reached(out.bundle.fallback_desk, Outcome.TRANSFERRED))
            out.flush()
            out.actions.append(Hangup())
        else:
            _nobody(out, desk, ctx)
    else:
        _enter(out, state.but(sub=""), ctx)


def _choice_input(out: _Out, node: Node, state: State, digits: str, ctx: Context) -> None:
    check = ctx.check_number(ctx.caller) if ctx.caller else None
    if digits == "1" and check is not None and check.ok and check.e164:
        _settle(out, node, state, check.e164, ctx)
    elif digits == "2" or check is None or not check.ok:
        _ask_number(out, state.but(sub="entry", retries=0))
    elif digits == "0" and node.desk != out.bundle.fallback_desk:
        _to_person(out, state, ctx)
    elif digits == "*" or state.retries < node.max_retries:
        if digits != "*":
            out.say("invalid" if digits else "no_input")
        items = out.render("cb_choice", {"digits": _readable(check.e164 or "")})
        out.gather(state.but(retries=state.retries + (digits != "*")), items, out.bundle.menu_timeout)
    else:
        _ask_number(out, state.but(sub="entry", retries=0))


def _entry_input(out: _Out, node: Node, state: State, digits: str, ctx: Context) -> None:
    check = ctx.check_number(digits) if digits else None
    if check is not None and check.ok and check.e164:
        items = out.render("cb_readback", {"digits": digits})
        out.gather(state.but(sub="confirm", number=check.e164, retries=0), items, out.bundle.menu_timeout)
        return
    reason = check.reason if check is not None else "invalid"
    _failed_entry(out, node, state, ctx, {"premium": "cb_refused", "short": "cb_refused",
                                           "country": "cb_country"}.get(reason, "cb_invalid"))


def _failed_entry(out: _Out, node: Node, state: State, ctx: Context, prompt: str) -> None:
    entries = state.entries + 1
    if entries >= out.bundle.entry_attempts:
        _give_up(out, node, state, ctx)
        return
    out.say(prompt)
    _ask_number(out, state.but(sub="entry", entries=entries, number=None, retries=0))


def _settle(out: _Out, node: Node, state: State, phone: str, ctx: Context) -> None:
    desk = node.desk or ""
    today = ctx.callbacks_today(phone)
    if ctx.has_open_callback(desk, phone):
        out.say("cb_exists")
        out.end()
        return
    if today is not None and today >= out.bundle.callback_limit:
        out.say("cb_limit")
        out.end()
        return
    out.effects.append(CallbackRequested(desk, phone, state.lang))
    out.effects.append(Reached(desk, Outcome.CALLBACK_REQUESTED))
    out.gather(state.but(sub="consent", number=None, retries=0), out.render("consent"), out.bundle.menu_timeout)


def _promise(out: _Out, desk: str) -> None:
    out.say("cb_created", {"number": out.bundle.promise_hours.get(desk, 24)})
    out.end()


def _to_person(out: _Out, state: State, ctx: Context) -> None:
    flow = out.bundle.flows[state.flow or out.bundle.entry]
    for node in flow.nodes.values():
        if node.type is NodeType.DESK and node.desk == out.bundle.fallback_desk:
            out.say("to_person")
            _enter(out, state.at(node.id), ctx)
            return
    _ask_number(out, state.but(sub="entry", retries=0))


def _give_up(out: _Out, node: Node, state: State, ctx: Context) -> None:
    """Three failed entries: a person if the information desk is open, else a clear goodbye."""
    fallback = out.bundle.fallback_desk
    status = ctx.desk_status(fallback)
    if status.open:
        out.say("to_person")
        out.flush()
        out.actions.append(Dial(out.bundle.desk_numbers[fallback], state.but(sub="fallback", number=None),
                                out.bundle.dial_timeout))
        return
    _nobody(out, node.desk or fallback, ctx)


def _nobody(out: _Out, desk: str, ctx: Context) -> None:
    out.say("no_one")
    _open_again(out, ctx.desk_status(desk))
    out.end()
