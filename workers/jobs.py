"""Job functions: take plain ids, are idempotent, and let exceptions reach RQ so it retries."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import redis
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ivr.container import Container
from ivr.engine.phones import check_number
from ivr.engine.phones import is_anonymous
from ivr.hotline import callbacks
from ivr.hotline import calls
from ivr.hotline import officehours
from ivr.hotline import privacy
from ivr.hotline import promises
from ivr.hotline import queueing
from ivr.hotline import recordings
from ivr.hotline import worklist
from ivr.store import jobqueue as queue
from ivr.store.callpaths import FLUSH_SECONDS
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import events
from ivr.telephony import rest as twilio_rest
from ivr.telephony.params import e164
from workers import context

log = logging.getLogger(__name__)
QUEUE_OUTCOMES = frozenset({"answered", "abandoned"})
"""Outcomes of a call that waited in a desk's queue; their record takes the wait, talk and who answered."""
PATH_SETTLE_SECONDS = 2 * FLUSH_SECONDS
"""How long after a final status callback every web process has written the call's path."""
# built once: statement construction costs more CPU than SQLite running them, and this runs for every event
_TAKE = sa.select(events).where(events.c.id == sa.bindparam("event_id")).with_for_update()
_DONE = events.update().where(events.c.id == sa.bindparam("event_id")).values(
    payload="{}", attempts=events.c.attempts + 1)  # the payload may hold a phone number: not needed once applied


def _at(payload: dict[str, Any], key: str, default: datetime) -> datetime:
    try:
        return datetime.fromisoformat(payload[key])
    except (KeyError, TypeError, ValueError):
        return default


def _closed(env: Container, desk: str, start: datetime) -> datetime | None:
    """The end of an operator's closure of the desk in force at `start` (the promise counts from then), as the
    webhook that spoke the day saw it."""
    return officehours.closed_until(env.closures.get(start), desk)


def _callback(env: Container, conn: Connection, call_sid: str, payload: dict[str, Any], created: datetime) -> None:
    at = _at(payload, "at", created)
    desk = payload["desk"]
    config = env.settings.desks[desk]
    waited = queueing.entry(conn, call_sid) if config.connect == "queue" else None
    queued_at = waited.joined_at if waited is not None and waited.desk == desk else None
    # a caller who waited in the desk's queue keeps their place: due as if they had asked when they joined it
    start = min(queued_at or at, at)
    due = promises.due_at(env.schedules[desk], start, config.callback_promise_hours, None, _closed(env, desk, start))
    task_id, new = callbacks.create(conn, desk, payload["phone"], payload["language"], call_sid, at, due,
                                    at.astimezone(env.tz).date(), queued_at=queued_at,
                                    promised_by=promises.promised_day(due, env.tz), window=promises.ANY)
    calls.note_reached(conn, call_sid, desk, "callback_requested", payload.get("language"), payload.get("version"),
                       at, env.tz, payload.get("path"))
    log.info("call %s: callback task %s for %s (%s)", call_sid, task_id, desk, "new" if new else "existing")
    if queued_at is not None:
        _request_dispatch(env, desk)  # a person offered this caller is free again


class TaskNotYet(LookupError):
    """A refinement arrived before its call's task was created: the event is applied again later."""


def _refine(env: Container, conn: Connection, call_sid: str, payload: dict[str, Any], created: datetime) -> None:
    """The caller chose a window (and whether to get an SMS) after the task was created: due inside the window."""
    desk = payload["desk"]
    task = callbacks.of_call(conn, call_sid, desk)
    if task is None:
        raise TaskNotYet(f"call {call_sid}: no task at {desk} yet")  # RQ retries; the callback event comes first
    config = env.settings.desks.get(desk)
    found = promises.windows(config)
    window = payload.get("window") if payload.get("window") in found else promises.ANY
    sms = payload.get("sms") if isinstance(payload.get("sms"), bool) else None
    start = min(task["queued_at"] or task["created_at"], task["created_at"])
    promise = config.callback_promise_hours if config is not None else 24
    due = promises.due_at(env.schedules[desk], start, promise, found[window][1], _closed(env, desk, start)) \
        if desk in env.schedules else task["due_at"]
    if not callbacks.refine(conn, task["id"], window, sms, due, promises.promised_day(due, env.tz),
                            _at(payload, "at", created)):
        return  # closed meanwhile (cancelled, reached): nothing to confirm
    log.info("call %s: task %s refined (window %s, sms %s)", call_sid, task["id"], window, sms)
    if sms:
        _request_sms(env, task["id"])


def _request_sms(env: Container, task_id: int) -> None:
    """Ask for the confirmation SMS; without Redis the event fails and is applied again (the job sends once)."""
    request = getattr(queue, "request_sms", None)
    if request is None:  # the SMS sender is not installed in this build
        log.warning("task %s: SMS confirmation not requested (no sender)", task_id)
        return
    if env.redis is None:
        raise redis.ConnectionError("redis unavailable: SMS confirmation not requested")
    request(env.redis, task_id, "confirm")


def _reached(env: Container, conn: Connection, call_sid: str, payload: dict[str, Any], created: datetime) -> None:
    desk, outcome, at = payload["desk"], payload["outcome"], _at(payload, "at", created)
    waited = queueing.entry(conn, call_sid) if outcome in QUEUE_OUTCOMES else None
    facts = None
    if waited is not None and waited.desk == desk:
        facts = {"wait_seconds": waited.wait_seconds, "talk_seconds": waited.talk_seconds,
                 "answered_by": waited.agent_id if outcome == "answered" else None}
    calls.note_reached(conn, call_sid, desk, outcome, payload.get("language"), payload.get("version"), at, env.tz,
                       payload.get("path"), queue=facts)
    if waited is None or waited.desk != desk:
        return
    if outcome == "answered" and waited.talk_seconds is not None and desk in env.settings.desks:
        queueing.note_handle_time(conn, desk, waited.language,
                                  waited.talk_seconds + env.settings.desks[desk].wrap_up_seconds, at)
    _request_dispatch(env, desk)  # a person offered this caller is free again; their ringing phone is stopped


def _queued(env: Container, conn: Connection, call_sid: str, payload: dict[str, Any], created: datetime) -> None:
    """A caller joined a desk's queue: the worker looks for somebody to offer them to."""
    _request_dispatch(env, payload["desk"])


def _request_dispatch(env: Container, desk: str) -> None:
    if env.redis is None:
        return
    try:
        queue.request_dispatch(env.redis, desk)
    except redis.RedisError as exc:  # the sweep asks again within seconds
        log.warning("dispatch of %s not requested (%s)", desk, type(exc).__name__)


def _recording(env: Container, conn: Connection, call_sid: str, payload: dict[str, Any], created: datetime) -> None:
    duration = payload.get("duration")
    callbacks.attach_recording(conn, call_sid, payload.get("desk"), payload.get("url"), payload.get("sid"),
                               int(duration) if str(duration or "").isdigit() else None, created)


def _tracked(env: Container, call_sid: str) -> dict[str, Any]:
    """Read what webhooks kept in Redis about a call (path, language); empty when Redis is unavailable."""
    if env.redis is None:
        return {}
    key = f"ivr:call:{call_sid}"
    try:
        pipe = env.redis.pipeline(transaction=False)
        pipe.hgetall(key)
        pipe.zrange(key + ":path", 0, -1)
        info, path = pipe.execute()
    except redis.RedisError:
        return {}
    tracked: dict[str, Any] = {k.decode(): v.decode() for k, v in info.items()}
    positions: dict[int, str] = {}
    lang = ""
    for member in path:  # "<position>:<language>:<node>", in order of position
        position, _, rest = member.decode().partition(":")
        lang, _, node = rest.partition(":")
        if position.isascii() and position.isdigit() and node:
            positions.setdefault(int(position), node)
    tracked["positions"] = positions
    if positions:
        tracked["lang"] = lang  # the language the caller was in at the end
    if tracked.get("started"):
        tracked["started"] = datetime.fromisoformat(tracked["started"])
    return tracked


def _settle(payload: dict[str, Any]) -> None:
    """Wait until every web process has written the nodes it saw before this status callback (rarely needed).

    Web processes hand visited nodes to a thread that writes them within FLUSH_SECONDS; a final status that
    arrives at once (Twilio sends it after the goodbye, so in practice seconds later) must not read a short path.
    Real clocks of web and worker, not the call's business time."""
    received = payload.get("received_ns")
    if isinstance(received, int):
        delay = received / 1e9 + PATH_SETTLE_SECONDS - time.time()
        if 0 < delay <= PATH_SETTLE_SECONDS:
            time.sleep(delay)


def _status(env: Container, conn: Connection, call_sid: str, payload: dict[str, Any], created: datetime) -> None:
    if payload.get("status") in calls.FINAL:
        _settle(payload)
    raw = payload.get("from")
    caller = None
    if isinstance(raw, str) and e164(raw) and not is_anonymous(raw):  # E.164 or nothing, also from old events
        verdict = check_number(raw, [])  # any country: this is who called, not whom we call
        caller = e164(verdict.e164) or raw
    duration = str(payload.get("duration") or "")
    seconds = int(duration) if duration.isascii() and duration.isdigit() and len(duration) < 9 else None
    calls.note_status(conn, call_sid, payload["status"], seconds, caller,
                      _at(payload, "received_at", created), _tracked(env, call_sid), env.tz,
                      env.cipher.pseudonym(caller) if caller else None)


HANDLERS: dict[str, Callable[[Container, Connection, str, dict[str, Any], datetime], None]] = {
    "callback": _callback,
    "queue": _queued,
    "reached": _reached,
    "refine": _refine,
    "recording": _recording,
    "recording_status": _recording,
    "status": _status,
}
"""Event kind -> handler; webhooks may only store kinds listed here."""


def process_event(event_id: int) -> str:
    """Apply one stored event in one transaction; a re-run after success changes nothing."""
    env = context.get()
    now = datetime.now(UTC)
    # the transaction applies the event and marks it processed: lost together in a crash, the relay queues it again
    with env.apply_engine.begin() as conn:
        row = conn.execute(_TAKE, {"event_id": event_id}).mappings().first()
        if row is None:
            return "missing"
        if row["processed_at"] is not None:
            return "done already"
        HANDLERS[row["kind"]](env, conn, row["call_sid"], json.loads(row["payload"]), row["created_at"])
        conn.execute(_DONE, {"event_id": event_id, "processed_at": now})
    if row["kind"] in ("recording", "recording_status"):
        _queue_downloads(env, row["call_sid"])
    return row["kind"]


def _queue_downloads(env: Container, call_sid: str) -> None:
    """Queue the copy of a call's voice messages; the retention sweep catches any this misses."""
    with env.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.select(callbacks_table.c.id).where(callbacks_table.c.call_sid == call_sid)
                                          .where(callbacks_table.c.recording_url.is_not(None)))]
    for task_id in ids:
        try:
            queue.enqueue_maintenance(env.redis, "workers.jobs.fetch_recording", task_id,
                                      job_id=f"recording-{task_id}")
        except redis.RedisError:
            log.warning("task %s: recording download not queued (redis); the sweep will", task_id)


def fetch_recording(task_id: int) -> str:
    """Copy a task's voice message into instance storage and delete it at Twilio (retried on failure); without a
    Twilio account one warning, no retry: the task page shows the message as not available."""
    env = context.get()
    if not twilio_rest.available(env.settings):
        if recordings.note_no_account(env.engine, task_id, datetime.now(UTC)):
            log.warning("task %s: voice message not copied: no Twilio account (set TWILIO_ACCOUNT_SID)", task_id)
        return "no_twilio_account"
    return recordings.fetch(env.engine, env.settings, task_id, datetime.now(UTC))


def retention_sweep() -> dict[str, int]:
    """Every 15 minutes: apply the retention rules, release lapsed claims, queue recordings still at Twilio."""
    env = context.get()
    now = datetime.now(UTC)
    report = privacy.apply_retention(env.engine, env.settings, now)
    with env.engine.begin() as conn:
        expiry = timedelta(minutes=env.settings.config.callbacks.claim_expiry_minutes)
        report["claims_expired"] = worklist.expire_claims(conn, now - expiry, now)
    for task_id in recordings.pending(env.engine) if twilio_rest.available(env.settings) else ():  # else: warned once
        queue.enqueue_maintenance(env.redis, "workers.jobs.fetch_recording", task_id, job_id=f"recording-{task_id}")
    log.info("retention sweep: %s", ", ".join(f"{key} {value}" for key, value in report.items()))
    return report
