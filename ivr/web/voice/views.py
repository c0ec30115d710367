"""Twilio voice webhooks: incoming call, menu steps (and the `<Enqueue>` action), status and recording callbacks,
fallback."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import Flask
from flask import Response
from flask import abort
from flask import request
from sqlalchemy.exc import SQLAlchemyError

from ivr.core.errors import UnknownNodeError
from ivr.engine import runtime
from ivr.engine.model import LEAVE_REASONS
from ivr.engine.model import QUEUE_RESULTS
from ivr.engine.model import CallbackRefined
from ivr.engine.model import CallbackRequested
from ivr.engine.model import Event
from ivr.engine.model import Queued
from ivr.engine.model import Reached
from ivr.engine.model import RecordingAttached
from ivr.engine.model import Step
from ivr.hotline import queueing
from ivr.store.callpaths import CALL_KEY_TTL
from ivr.telephony import params as webhook_rules
from ivr.telephony import twiml
from ivr.web.voice import callstate
from ivr.web.voice.signatures import first_delivery
from ivr.web.voice.stepcache import CachedStep
from ivr.web.voice.switchboard import EXTENSION
from ivr.web.voice.switchboard import Switchboard
from ivr.web.voice.switchboard import switchboard
from ivr.web.voice.webhook import ABSURD
from ivr.web.voice.webhook import MAX_QUEUE_TIME
from ivr.web.voice.webhook import Webhook
from ivr.web.voice.webhook import bp
from ivr.web.voice.webhook import fallback_number
from ivr.web.voice.webhook import field
from ivr.web.voice.webhook import queue_figure
from ivr.web.voice.webhook import webhook
from ivr.web.voice.webhook import xml

log = logging.getLogger(__name__)
QUEUE_ENDS = {"bridged": "answered", "hangup": "abandoned"}
"""Twilio's QueueResult -> how the wait ended (leave: the entry's reason; anything else: error)."""


def init_app(app: Flask) -> None:
    """Register the webhooks and their switchboard (on the app's container: ivr.web.services.init_app first)."""
    from ivr.web.voice import agents  # noqa: F401 - the live queue's routes on this blueprint
    from ivr.web.voice import callee  # noqa: F401 - the callee's leg of a click-to-call
    from ivr.web.voice import waiting  # noqa: F401

    app.extensions[EXTENSION] = Switchboard(app.extensions["ivr"])
    app.register_blueprint(bp)


def _join_queue(board: Switchboard, step: Step, call_sid: str, now: datetime) -> None:
    """The step puts the caller in a desk's queue: its entry exists before Twilio asks the wait URL (a repeated
    join returns the entry unchanged)."""
    for effect in step.effects:
        if isinstance(effect, Queued):
            with board.container.engine.begin() as conn:
                queueing.join(conn, call_sid, effect.desk, effect.language, now)


def _left_queue(board: Switchboard, fields: dict[str, str], now: datetime) -> tuple[Event, dict[str, object]]:
    """Twilio's `<Enqueue>` action: end the caller's entry (once) and tell the engine how they left.

    Bridged is answered, hangup abandoned; leave ends with the entry's reason (pressing 1 is a callback). An
    unknown QueueResult, an absurd QueueTime or no entry is the error path. Returns the engine's event and what
    the call record learns of the wait."""
    call_sid, result = fields.get("CallSid", ""), fields.get("QueueResult", "")
    waited = queue_figure(fields.get("QueueTime", ""), 0, MAX_QUEUE_TIME)
    if result not in QUEUE_RESULTS or waited == ABSURD:
        result = "error"
    reason, facts = None, {}
    try:
        with board.container.engine.begin() as conn:
            found = queueing.entry(conn, call_sid)
            if found is None:
                reason = "error"
            else:
                reason = found.leave_reason if found.leave_reason in LEAVE_REASONS else None
                if result == "leave" and reason is None:
                    result = "error"  # left without our asking (a REST call, a fault): not the caller's choice
                ended = QUEUE_ENDS.get(result) or (("callback" if reason == "caller" else reason)
                                                   if result == "leave" else "error")
                done = queueing.finish(conn, call_sid, ended or "error", now) or found
                facts = {"wait_seconds": done.wait_seconds if done.wait_seconds is not None else done.waited(now),
                         "talk_seconds": done.talk_seconds, "agent_id": done.agent_id}
    except SQLAlchemyError as exc:
        log.error("call %s: queue entry not ended (%s), continuing", call_sid, type(exc).__name__)
    event = Event(queue_result=result, leave_reason=reason, call_sid=call_sid,
                  queue_time=None if waited in (None, ABSURD) else waited)
    return event, facts


def _record_effects(board: Switchboard, step: Step, call_sid: str, version: str,
                    queue_facts: dict[str, object] | None = None) -> None:
    now = board.container.clock()
    items = []  # one commit for all of this step's events
    for effect in step.effects:
        if isinstance(effect, CallbackRequested):
            items.append(("callback", call_sid, f"callback:{call_sid}:{effect.desk}",
                           {"desk": effect.desk, "phone": effect.phone, "language": effect.language,
                            "version": version, "at": now.isoformat(), "path": step.path}))
        elif isinstance(effect, CallbackRefined):  # the window and SMS choice: after the task, once per call and desk
            items.append(("refine", call_sid, f"refine:{call_sid}:{effect.desk}",
                          {"desk": effect.desk, "window": effect.window, "sms": effect.sms, "at": now.isoformat()}))
        elif isinstance(effect, RecordingAttached):
            items.append(("recording", call_sid, f"recording:{call_sid}:{effect.desk}:{effect.sid or effect.url}",
                           {"desk": effect.desk, "url": effect.url, "sid": effect.sid,
                            "duration": effect.duration}))
        elif isinstance(effect, Reached) and effect.outcome is not None:
            items.append(("reached", call_sid, f"reached:{call_sid}:{effect.desk}:{effect.outcome.value}",
                           {"desk": effect.desk, "outcome": effect.outcome.value, "language": step.lang,
                            "version": version, "at": now.isoformat(), "path": step.path, **(queue_facts or {})}))
        elif isinstance(effect, Queued):  # the worker looks for somebody to offer the caller to
            items.append(("queue", call_sid, f"queue:{call_sid}:{effect.desk}",
                          {"desk": effect.desk, "language": effect.language, "at": now.isoformat()}))
    if items:
        board.intake.submit_many(items, now)


def _answer(board: Switchboard, step: Step, hook: Webhook, version: str, now: datetime, started: bool = False,
            body: bytes | None = None, guarded: bool = False, queue_facts: dict[str, object] | None = None) -> Response:
    """Note the step, store its effects and answer it; a replayed step that could do harm is refused (409).

    A signed request is taken once (one Redis SET NX on its signature) when a replay could do harm: the step has
    effects (a transfer reached, a callback), holds personal data, or is `guarded`: it read the world (office
    hours, the caller's number, the database) or continues inside a desk or callback node (the callback promise
    tells of a task an earlier step created) — replayed later, such a step would tell or do what no longer holds.
    A menu step whose answer depends only on the URL state, the keys and the closures skips the check: replayed,
    it answers the same and writes the same path members (keyed by position), so it changes nothing. Status and
    recording callbacks need no check either: their events are stored once by their dedupe key (INSERT ... ON
    CONFLICT DO NOTHING), so a replay is acknowledged (204) and stored nowhere; Twilio's own retries alike.
    """
    call_sid = hook.field("CallSid")
    if (step.effects or step.private or guarded) and hook.signature and \
            not first_delivery(board.container.redis, board.container.breaker, hook.signature, CALL_KEY_TTL):
        log.warning("call %s: replayed webhook %s refused", call_sid, request.path)
        abort(409)
    board.track(call_sid, step, version, now, started=started)
    if step.effects:
        _join_queue(board, step, call_sid, now)
        _record_effects(board, step, call_sid, version, queue_facts)
    return xml(body if body is not None else board.renderer.render(step, hook.base))


def _remember(board: Switchboard, key: tuple, step: Step, version: str, base: str, touched: list[bool],
              now: datetime, guarded: bool = False) -> None:
    """Keep a step that depends on nothing but the URL, the keys and perhaps the closures, with its answer."""
    if touched[0] or step.private or step.effects:
        return
    generation, until = None, None
    if touched[1]:
        closures = board.container.closures
        generation, until = closures.generation, closures.get(now).changes_at
    board.menu_steps.put(key, CachedStep(step, version, board.renderer.render(step, base), generation, until,
                                         guarded))


@bp.post("/incoming")
def incoming() -> Response:
    """Answer a new call: greeting and language menu."""
    board, hook = switchboard(), webhook()
    svc = board.container
    bundle, now = svc.store.current, svc.clock()
    key = (hook.base, "incoming", bundle.version)
    cached = board.menu_steps.get(key, svc.closures, now)
    if cached is not None:
        return _answer(board, cached.step, hook, cached.version, now, started=True, body=cached.body,
                       guarded=cached.guarded)
    touched = [False, False]
    step = runtime.start(bundle, board.context(hook.fields, now, touched))
    _remember(board, key, step, bundle.version, hook.base, touched, now)
    return _answer(board, step, hook, bundle.version, now, started=True, guarded=touched[0])


@bp.post("/step")
def step() -> Response:
    """Continue a call at the state carried in the URL."""
    board, hook = switchboard(), webhook()
    svc = board.container
    req = request._get_current_object()  # type: ignore[attr-defined]
    fields, field = hook.fields, hook.field
    plain_keys = not any(k in fields for k in ("DialCallStatus", "RecordingUrl", "RecordingSid", "QueueResult"))
    key = (hook.base, req.query_string, fields.get("Digits", "")) if plain_keys else None
    now = svc.clock()
    cached = board.menu_steps.get(key, svc.closures, now) if key else None
    if cached is not None:
        return _answer(board, cached.step, hook, cached.version, now, body=cached.body, guarded=cached.guarded)
    state = callstate.decode(req.args, svc.cipher)
    if state is None:
        return incoming()
    bundle = svc.store.get(state.version) or svc.store.current
    if bundle.version != state.version:
        log.info("call %s: version %s no longer loaded, continuing on %s", field("CallSid"), state.version,
                 bundle.version)
        state = state.but(version=bundle.version)
    duration = field("RecordingDuration")
    queue_facts = None
    if state.sub == "queued":  # the <Enqueue> action: the caller left the desk's queue
        event, queue_facts = _left_queue(board, fields, now)
    else:
        event = Event(digits=field("Digits") or None, dial_status=field("DialCallStatus") or None,
                      recording_url=field("RecordingUrl") or None, recording_sid=field("RecordingSid") or None,
                      recording_duration=int(duration) if duration.isdigit() else None, call_sid=field("CallSid"))
    touched = [False, False]
    ctx = board.context(fields, now, touched)
    try:
        result = runtime.step(bundle, state, event, ctx)
    except UnknownNodeError:
        log.warning("call %s: unknown node %r, starting over", field("CallSid"), state.node)
        result = runtime.start(bundle, ctx)
    guarded = touched[0] or bool(state.sub)  # read the world, or inside a desk or callback node
    if key:
        _remember(board, key, result, bundle.version, hook.base, touched, now, guarded)
    return _answer(board, result, hook, bundle.version, now, guarded=guarded, queue_facts=queue_facts)


@bp.post("/status")
def status() -> tuple[str, int]:
    """Take a call status callback (any order, any repetition: stored once by its dedupe key); the job keeps the
    latest state. This process's last nodes of the call reach Redis before the job is queued (the intake's
    thread flushes the tracker first), so the webhook itself waits on no Redis round trip."""
    board = switchboard()
    call_sid, call_status = field("CallSid"), field("CallStatus")
    if call_sid and call_status in webhook_rules.CALL_STATUSES:  # the rules refused others; kept for direct calls
        now = board.container.clock()
        board.intake.submit("status", call_sid, f"status:{call_sid}:{call_status}:{field('SequenceNumber')}",
                          {"status": call_status, "duration": field("CallDuration"),
                           "from": webhook_rules.e164(field("From")),  # a stored caller ID is E.164 or nothing
                           "timestamp": field("Timestamp"), "sequence": field("SequenceNumber"),
                           "received_at": now.isoformat(), "received_ns": time.time_ns()}, now)
    return "", 204


@bp.post("/recording")
def recording() -> tuple[str, int]:
    """Take a recording status callback; a job copies the recording and deletes it at Twilio."""
    board = switchboard()
    call_sid, sid = field("CallSid"), field("RecordingSid")
    if call_sid and sid and field("RecordingStatus") in webhook_rules.RECORDING_STATUSES:
        now = board.container.clock()
        board.intake.submit("recording_status", call_sid, f"recording_status:{sid}:{field('RecordingStatus')}",
                          {"sid": sid, "url": field("RecordingUrl"), "status": field("RecordingStatus"),
                           "duration": field("RecordingDuration")}, now)
    return "", 204


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's Fallback URL: a valid answer that needs neither Redis nor the database."""
    return xml(twiml.apology(fallback_number()))
