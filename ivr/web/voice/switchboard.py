"""What the voice webhooks keep beside the process container: the engine's view of the world for a step, the
TwiML renderer, the menu step cache, the call paths and the intake of the calls' events."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ivr.container import Container
from ivr.engine.model import Context
from ivr.engine.model import QueueLine
from ivr.engine.model import Reached
from ivr.engine.model import Step
from ivr.engine.phones import check_number
from ivr.engine.phones import is_anonymous
from ivr.hotline import callbacks
from ivr.hotline import promises
from ivr.hotline import queueing
from ivr.hotline.officehours import closed_until
from ivr.hotline.officehours import desk_status
from ivr.hotline.officehours import overflow_number
from ivr.store.callpaths import Tracker
from ivr.store.outbox import Intake
from ivr.telephony.twiml import Renderer
from ivr.web.voice import callstate
from ivr.web.voice.stepcache import StepCache

EXTENSION = "ivr.web.voice"
"""The switchboard's key in app.extensions."""


class CallbackFacts(NamedTuple):
    """What a callback capture needs to know of a number (None: the database did not answer)."""

    open_desks: frozenset[str] | None
    today: int | None

    def open_at(self, desk: str) -> bool | None:
        """True when the number has an open callback at `desk`."""
        return None if self.open_desks is None else desk in self.open_desks


class Switchboard:
    """The voice webhooks' parts of one app, on top of its container."""

    instances: weakref.WeakSet[Switchboard] = weakref.WeakSet()
    """Every live switchboard, so a test can have the events its webhooks stored queued now."""

    def __init__(self, container: Container):
        Switchboard.instances.add(self)
        self.container = container
        settings = container.settings
        self.renderer = Renderer(lambda state: callstate.encode(state, container.cipher))
        self.tracker = Tracker(container.redis, container.breaker) if container.redis is not None else None
        self.intake = Intake(container.engine, container.redis, container.breaker, container.cipher,
                             container.spool_dir, settings.config.retention.failed_jobs_days * 86400,
                             before_queueing=self.tracker.flush if self.tracker is not None else None)
        self.allowed_countries = frozenset(settings.config.callbacks.allowed_countries)
        self.menu_steps = StepCache()
        container.on_close(self.close)  # before Redis and the database close

    def close(self) -> None:
        """Queue what waits (after the tracker's nodes), then stop the tracker."""
        self.intake.stop()
        if self.tracker is not None:
            self.tracker.stop()

    # --- the engine's view of the world -----------------------------------------------------------

    def context(self, form: Mapping[str, str], now: datetime, touched: list[bool] | None = None) -> Context:
        """Build the engine's view of the world; reads happen only when a desk needs them.

        `touched[0]` becomes True when the step asked anything of the world but the closures (office hours, the
        caller's number, the database): its answer must not be reused for another call. `touched[1]` becomes True
        when it read the closures (the announcement): its answer holds until they change.
        """
        container = self.container
        caller = form.get("From")
        snapshot = None
        flag = touched if touched is not None else [False, False]

        def snap():
            nonlocal snapshot
            flag[1] = True
            if snapshot is None:
                snapshot = container.closures.get(now)
            return snapshot

        known: dict[str, CallbackFacts] = {}

        def facts(phone: str) -> CallbackFacts:  # one query per number and step, however often the engine asks
            if phone not in known:
                known[phone] = self.callback_facts(phone, now)
            return known[phone]

        def asked(func):
            def wrapper(*args):
                flag[0] = True
                return func(*args)
            return wrapper

        return Context(
            now=now,
            caller=None if is_anonymous(caller) else caller,
            desk_status=asked(lambda desk: desk_status(container.schedules, snap(), desk, now)),
            check_number=asked(lambda raw: check_number(raw, self.allowed_countries)),
            has_open_callback=asked(lambda desk, phone: facts(phone).open_at(desk)),
            callbacks_today=asked(lambda phone: facts(phone).today),
            announcement=lambda: snap().announcement,
            overflow_number=asked(lambda: overflow_number(container.schedules, snap(), now)),
            queue_line=asked(lambda desk: self.queue_line(desk, now)),
            promise_day=asked(lambda desk, window: self.promise_day(form.get("CallSid", ""), desk, window, now)),
            windows=asked(self.windows),
        )

    def windows(self, desk: str) -> dict[str, str]:
        """A desk's call-back windows by key (its own windows take 1 and 2, any time is 3)."""
        found = promises.windows(self.container.settings.desks.get(desk))
        return {str(digit): window for window, (digit, _) in found.items()}

    def promise_day(self, call_sid: str, desk: str, window: str, now: datetime) -> date | None:
        """The day the caller is promised: the worker's due time of the call's task inside the window.

        Counted from the task's creation (or the caller's place in the desk's queue) as the worker counts it, so
        the day spoken is the day on the task; before the worker has made the task, from the queue place or now.
        None for a desk without hours (the promise is then said in hours)."""
        container = self.container
        config, schedule = container.settings.desks.get(desk), container.schedules.get(desk)
        if config is None or schedule is None:
            return None
        start = now
        try:
            with container.engine.connect() as conn:
                task = callbacks.of_call(conn, call_sid, desk) if call_sid else None
                if task is not None:
                    start = min(task["queued_at"] or task["created_at"], task["created_at"])
                elif call_sid and config.connect == "queue":
                    waited = queueing.entry(conn, call_sid)
                    start = min(waited.joined_at, now) if waited is not None and waited.desk == desk else now
        except SQLAlchemyError:
            start = now  # the day from now: at most the seconds of this call later than the task's
        ranges = promises.windows(config).get(window, (0, None))[1]
        closed = closed_until(container.closures.get(start), desk)  # an operator's closure: counted from its end
        return promises.promised_day(promises.due_at(schedule, start, config.callback_promise_hours, ranges,
                                                     closed), container.tz)

    def queue_line(self, desk: str, now: datetime) -> QueueLine:
        """How a queue desk open by its hours is reached now: its queue when somebody is signed in for it, the
        no-one path when nobody is, its number when Redis is down (nobody would be offered the caller: the choice
        runs in the worker, reached through Redis) or presence cannot be read."""
        container = self.container
        if container.redis is None or not container.breaker.closed:
            return QueueLine.UNAVAILABLE
        try:
            with container.engine.connect() as conn:
                people = queueing.signed_in(conn, desk, now)
        except SQLAlchemyError:
            return QueueLine.UNAVAILABLE
        return QueueLine.QUEUE if people else QueueLine.NOBODY

    def callback_facts(self, phone: str, now: datetime) -> CallbackFacts:
        """This number's open callback desks and its tasks of the last 24 hours, in one query (unknown on error)."""
        try:
            with self.container.engine.connect() as conn:
                found = callbacks.of_number(conn, phone, now)
        except SQLAlchemyError:
            return CallbackFacts(None, None)
        return CallbackFacts(found.open_desks, found.today)

    # --- the hot path's one Redis write -------------------------------------------------------------

    def track(self, call_sid: str, step: Step, version: str, now: datetime, started: bool = False) -> None:
        """Note visited nodes, language and desk of a call; written to Redis by the tracker thread."""
        if self.tracker is None or not call_sid:
            return
        desk = next((e.desk for e in step.effects if isinstance(e, Reached)), None) or ""
        self.tracker.add(call_sid, step.lang or "", version, desk, now if started else None, step.visited,
                         step.first)


def switchboard() -> Switchboard:
    """Return the switchboard of the current Flask app."""
    return current_app.extensions[EXTENSION]
