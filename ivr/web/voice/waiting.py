"""The caller's side of the live queue: the hold loop (waitUrl) and its key press.

Twilio asks the wait URL what a caller in a desk's queue hears, and asks again whenever a document ends. Each
answer is one stretch of about 15 seconds: now and then (about every 45 s) the place, the expected wait and the
offer to be called back, then the hold music, all inside a one-key `<Gather>`; then a `<Redirect>` back here that
carries when the next announcement is due (`n`, in seconds of QueueTime). A caller who must leave (waited the
desk's max_wait, desk closed, nobody signed in any more, a request we cannot trust) gets `<Leave/>`, and Twilio
posts the `<Enqueue>` action, which leads into the callback capture. A repeated request changes nothing twice:
the leave reason is set once (a conditional update), everything else is read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from flask import Response
from flask import request
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from ivr.container import Container
from ivr.engine import waiting as hearing
from ivr.hotline import choice
from ivr.hotline import queueing
from ivr.hotline.officehours import desk_status
from ivr.telephony import twiml
from ivr.web.voice.switchboard import switchboard
from ivr.web.voice.webhook import ABSURD
from ivr.web.voice.webhook import MAX_QUEUE_POSITION
from ivr.web.voice.webhook import MAX_QUEUE_TIME
from ivr.web.voice.webhook import bp
from ivr.web.voice.webhook import queue_figure
from ivr.web.voice.webhook import webhook
from ivr.web.voice.webhook import xml

log = logging.getLogger(__name__)
ANNOUNCE_EVERY = 45
"""Seconds between two announcements of place and expected wait."""
EARLY = 10
"""An announcement due within this many seconds is made now: the next stretch would make it ~15 s late."""


def _due(args: Mapping[str, str]) -> int | None:
    value = args.get("n", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else None


def _handle_time(times: Mapping[str, tuple[float, int]], language: str) -> tuple[float | None, int]:
    """The smoothed handle time for a caller's language (else the desk's, weighted by calls), and the desk's
    answered calls in every language (the estimate needs enough of them)."""
    samples = sum(n for _, n in times.values())
    if language in times:
        return times[language][0], samples
    return (sum(s * n for s, n in times.values()) / samples if samples else None), samples


def _leave(svc: Container, call_sid: str, found: queueing.Entry | None, reason: str, now: datetime) -> Response:
    """Ask the caller to leave with a reason (the first one stays), then `<Leave/>`."""
    if found is not None and found.state in queueing.LIVE and found.leave_reason is None:
        try:
            with svc.engine.begin() as conn:
                queueing.ask_to_leave(conn, call_sid, reason, now)
        except SQLAlchemyError as exc:  # the action then finds no reason: the error path, the callback all the same
            log.error("call %s: leave reason %s not stored (%s)", call_sid, reason, type(exc).__name__)
    log.info("call %s: leaves the queue (%s)", call_sid, found.leave_reason if found and found.leave_reason
             else reason)
    return xml(twiml.leave())


def _reason(svc: Container, conn: Connection, found: queueing.Entry, waited: int, now: datetime) -> str | None:
    """Why this caller must leave now, or None."""
    desk = svc.settings.desks.get(found.desk)
    if desk is None:  # a desk taken out of the config while callers waited
        return "error"
    if waited >= desk.max_wait:
        return "timeout"
    if not desk_status(svc.schedules, svc.closures.get(now), found.desk, now).open:
        return "closed"
    return None


@bp.post("/queue/wait")
def wait() -> Response:
    """Twilio's waitUrl: leave, or the next stretch of waiting (announcement when due, hold music)."""
    board, hook = switchboard(), webhook()
    svc = board.container
    now, call_sid = svc.clock(), hook.field("CallSid")
    position = queue_figure(hook.field("QueuePosition"), 1, MAX_QUEUE_POSITION)
    queue_time = queue_figure(hook.field("QueueTime"), 0, MAX_QUEUE_TIME)
    try:
        with svc.engine.connect() as conn:
            found = queueing.entry(conn, call_sid)
            if found is None or ABSURD in (position, queue_time):
                return _leave(svc, call_sid, found, "error", now)
            if found.state not in queueing.LIVE or found.leave_reason is not None:
                return _leave(svc, call_sid, found, "error", now)  # asked to leave already (a key, the worker)
            waited = max(found.waited(now), queue_time or 0)
            reason = _reason(svc, conn, found, waited, now)
            people = queueing.signed_in(conn, found.desk, now) if reason is None else 0
            if reason is None and not people:
                reason = "nobody"
            if reason is not None:
                return _leave(svc, call_sid, found, reason, now)
            due = _due(request.args)
            items = hearing.hold()
            if due is None or waited + EARLY >= due:
                place = position if position is not None else queueing.position(conn, found)
                handle, samples = _handle_time(queueing.handle_times(conn, found.desk), found.language)
                spoken = choice.spoken_range(choice.estimate(place, handle, samples, people))
                items = hearing.announcement(svc.store.current, found.language, place, spoken) + items
                due = waited + ANNOUNCE_EVERY
    except SQLAlchemyError as exc:  # nothing to decide on: out of the queue into the callback capture
        log.error("call %s: queue entry unreadable (%s), leaving", call_sid, type(exc).__name__)
        return xml(twiml.leave())
    return xml(twiml.waiting(items, hook.base, f"{twiml.QUEUE_KEY}?n={due}", f"{twiml.QUEUE_WAIT}?n={due}"))


@bp.post("/queue/key")
def key() -> Response:
    """A key pressed while waiting: 1 leaves for the callback (keeping the place), * repeats the announcement,
    anything else goes on waiting."""
    board, hook = switchboard(), webhook()
    svc = board.container
    now, call_sid, digits = svc.clock(), hook.field("CallSid"), hook.field("Digits").strip()
    if digits == "1":
        try:
            with svc.engine.connect() as conn:
                found = queueing.entry(conn, call_sid)
        except SQLAlchemyError as exc:
            log.error("call %s: queue entry unreadable (%s), leaving", call_sid, type(exc).__name__)
            return xml(twiml.leave())
        return _leave(svc, call_sid, found, "caller", now)
    due = None if digits == "*" else _due(request.args)
    return xml(twiml.redirect(hook.base + twiml.QUEUE_WAIT + ("" if due is None else f"?n={due}")))
