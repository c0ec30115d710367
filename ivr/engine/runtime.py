"""The step function: (bundle, state, event, context) -> what the caller hears next. Pure, no I/O."""

from __future__ import annotations

from ivr.core.errors import UnknownNodeError
from ivr.engine import capture
from ivr.engine import prompts as prompt_text
from ivr.engine.hours import DeskStatus
from ivr.engine.model import Bundle
from ivr.engine.model import Context
from ivr.engine.model import Dial
from ivr.engine.model import Enqueue
from ivr.engine.model import Event
from ivr.engine.model import Hangup
from ivr.engine.model import Node
from ivr.engine.model import NodeType
from ivr.engine.model import Outcome
from ivr.engine.model import Queued
from ivr.engine.model import QueueLine
from ivr.engine.model import Reached
from ivr.engine.model import State
from ivr.engine.model import Step
from ivr.engine.model import Utterance
from ivr.engine.model import queue_name
from ivr.engine.output import Output

LEAVE_PROMPTS = {"caller": None, "timeout": "queue_left_timeout", "closed": "queue_left_closed",
                 "nobody": "queue_left_nobody"}
"""What a caller who left a desk's queue hears before the callback capture (pressing 1 needs no words)."""
MAX_INLINE = 32
"""Nodes one webhook may pass through without waiting for the caller (the validator forbids loops)."""


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
    out = Output(bundle, state)
    _enter(out, state, ctx)
    return out.step()


def step(bundle: Bundle, state: State, event: Event, ctx: Context) -> Step:
    """Answer the caller's input at `state`."""
    node = node_of(bundle, state)
    if state.lang not in bundle.languages:
        state = state.but(lang=bundle.default_language)
    out = Output(bundle, state)
    if node.type is NodeType.MENU:
        _menu_input(out, node, state, event, ctx)
    elif node.type in (NodeType.DESK, NodeType.CALLBACK):
        _desk_input(out, node, state, event, ctx)
    else:  # a Redirect to an inline node: run it from the start
        _enter(out, state, ctx)
    return out.step()


def _enter(out: Output, state: State, ctx: Context) -> None:
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
            capture.offer(out, node, state, ctx)
        return
    raise UnknownNodeError(f"more than {MAX_INLINE} nodes without input after {state.node!r}")


def _operator_text(out: Output, text: str | None, fallback_prompt: str) -> None:
    lang = out.lang_for()
    if text and lang and not out.bundle.languages[lang].audio:
        out.pending.extend(prompt_text.say_text(out.bundle, text, lang))
    else:  # recorded languages have no audio for free text: the built-in clip stands in
        out.say(fallback_prompt)


# --- menus ---------------------------------------------------------------------------------------


def _menu_prompt(out: Output, node: Node, state: State) -> None:
    items: list[Utterance] = []
    for ref in node.say:
        items.extend(out.render(ref.prompt, forced=ref.language))
    out.gather(state, tuple(items), node.timeout)


def _menu_input(out: Output, node: Node, state: State, event: Event, ctx: Context) -> None:
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


def _closed_message(out: Output, status: DeskStatus) -> None:
    if status.reason == "operator":
        _operator_text(out, status.closure.text(out.state.lang) if status.closure else None, "closed_today")
    else:
        out.say({"holiday": "closed_holiday", "closure_day": "closed_today"}.get(status.reason, "closed_hours"))
    capture.open_again(out, status)


def _desk_enter(out: Output, node: Node, state: State, ctx: Context) -> None:
    desk = node.desk or ""
    out.effects.append(Reached(desk, None))  # type: ignore[arg-type]
    status = ctx.desk_status(desk)
    line = ctx.queue_line(desk) if status.open and out.bundle.queues(desk) else None
    if line is QueueLine.QUEUE:
        out.effects.append(Queued(desk, state.lang))
        out.flush()
        out.actions.append(Enqueue(queue_name(desk, state.lang), state.but(sub="queued")))
        return
    if line is QueueLine.NOBODY:  # nobody signed in: never a queue, the callback at once
        out.say("desk_busy")
        out.say("cb_offer")
        capture.offer(out, node, state, ctx)
        return
    if status.open:  # a dialled desk, or a queue desk whose presence cannot be read
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
    capture.offer(out, node, state, ctx)


def _desk_input(out: Output, node: Node, state: State, event: Event, ctx: Context) -> None:
    out.visited.append(node.id)
    sub, digits = state.sub, (event.digits or "").strip()
    desk = node.desk or ""
    if sub == "queued":
        _left_queue(out, node, state, event, ctx)
    elif sub == "dialed":
        if event.dial_status in capture.ANSWERED:
            out.effects.append(Reached(desk, Outcome.TRANSFERRED))
            out.flush()
            out.actions.append(Hangup())
            return
        out.say("desk_busy")
        out.say("cb_offer")
        capture.offer(out, node, state.but(sub=""), ctx)
    elif capture.stage(sub)[0] in ("choice", "confirm", "window", "sms", "consent") and digits == "0" and \
            desk != out.bundle.fallback_desk:
        _to_person(out, state, ctx)
    elif capture.stage(sub)[0] in capture.STAGES:
        capture.answer(out, node, state, event, ctx)
    else:
        _enter(out, state.but(sub=""), ctx)


def _left_queue(out: Output, node: Node, state: State, event: Event, ctx: Context) -> None:
    """The caller left the desk's queue (Twilio's `<Enqueue>` action): answered, gone, or the callback capture."""
    desk = node.desk or ""
    if event.queue_result == "bridged":
        out.effects.append(Reached(desk, Outcome.ANSWERED))
        out.flush()
        out.actions.append(Hangup())
        return
    if event.queue_result == "hangup":
        out.effects.append(Reached(desk, Outcome.ABANDONED))
        out.actions.append(Hangup())
        return
    if event.queue_result == "leave" and event.leave_reason in LEAVE_PROMPTS:
        prompt = LEAVE_PROMPTS[event.leave_reason]
        if prompt is not None:
            out.say(prompt)
            out.say("cb_offer")
    else:  # an unknown result, no queue entry, absurd numbers: the error path
        out.say("desk_busy")
        out.say("cb_offer")
    capture.offer(out, node, state.but(sub=""), ctx)


def _to_person(out: Output, state: State, ctx: Context) -> None:
    flow = out.bundle.flows[state.flow or out.bundle.entry]
    for node in flow.nodes.values():
        if node.type is NodeType.DESK and node.desk == out.bundle.fallback_desk:
            out.say("to_person")
            _enter(out, state.at(node.id), ctx)
            return
    capture.ask_number(out, state.but(sub="entry", retries=0))
