"""Callers' SMS in the worker: send a task's SMS once (`send`), send a recorded SMS (`deliver`), and the sweep that
queues SMS whose job was lost.

Each SMS is a row of sms_messages with a unique dedupe key (`confirm:<task>`): asking twice finds the row. A row is
taken for sending by one conditional update (pending -> sending) before Twilio is asked, so two workers, a retried
job or a job queued again by the sweep never hand one SMS to Twilio twice. Only when Twilio was certainly not reached
(no connection, 429 or 503) is the row given back for the next try; a refusal (4xx) is a failed SMS, never retried
(no spam), and an answer lost on the way (a read timeout) leaves the row "sending", never sent again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from datetime import timedelta
from typing import Any

import redis
import requests
from twilio.base.exceptions import TwilioRestException

from ivr.container import Container
from ivr.hotline import callbacks
from ivr.hotline import sms
from ivr.store import jobqueue
from ivr.telephony import messaging
from ivr.telephony.rest import NoPublicUrl
from ivr.telephony.rest import available as twilio_configured
from workers import context

log = logging.getLogger(__name__)
CONSENT_WAIT = timedelta(minutes=10)
"""A task this young without a recorded SMS answer may still get one (the refinement's transaction is still open):
the job is retried instead of dropped."""
SWEEP_AFTER = timedelta(seconds=30)
"""A pending SMS this old has lost its job (Redis or the worker was down): the sweep queues it again."""
SWEEP_WITHIN = timedelta(days=1)
"""Pending SMS older than this are not sent any more (a confirmation a day late confuses more than it helps)."""
RETRY_STATUSES = frozenset({429, 503})
"""Twilio statuses that say the message was not taken: the SMS is sent on the next try."""


class ConsentNotYet(RuntimeError):
    """The task does not show the caller's SMS answer yet; the job runs again (RQ's retry)."""


def send(task_id: int, kind: str) -> str:
    """RQ job (`ivr.store.jobqueue.request_sms`): send a task's SMS of this kind once; returns what happened."""
    return send_task_sms(context.get(), task_id, kind)


def deliver(sms_id: int) -> str:
    """RQ job (`ivr.store.jobqueue.request_sms_delivery`): send one recorded, pending SMS."""
    return deliver_now(context.get(), sms_id)


def send_task_sms(env: Container, task_id: int, kind: str) -> str:
    """Record the task's SMS (refused: no consent asked for, premium/service, country, not mobile, daily limit),
    then send it when pending."""
    if kind not in sms.KINDS:
        raise ValueError(f"unknown SMS kind {kind!r}")
    now = env.clock()
    config = env.settings.config
    with env.engine.begin() as conn:
        task = callbacks.get(conn, task_id)
        if task is None:
            return "no task"
        if kind in sms.TASK_KINDS and not task.get("sms_consent"):
            if task.get("sms_consent") is None and now - task["created_at"] < CONSENT_WAIT:
                raise ConsentNotYet(f"task {task_id}: no SMS answer recorded yet")
            return "no consent"
        if kind == "confirm" and task["status"] != "open":
            return "closed"  # cancelled or done before the confirmation went out: nothing to confirm
        refused = sms.refusal(task["phone"], config.callbacks.allowed_countries) if task["phone"] else "no_number"
        if refused is None and not twilio_configured(env.settings):
            refused = "no_twilio_account"  # a missing integration is a state on the task, not a stream of retries
        sms_id = sms.reserve(conn, f"{kind}:{task_id}", task_id, kind, task["phone"], task["language"], now,
                             refused, config.sms.per_number_daily_limit)
        if sms_id is None:
            existing = sms.by_key(conn, f"{kind}:{task_id}")
            if existing is None or existing["status"] != "pending":
                return "sent already"
            sms_id = existing["id"]
        elif refused:
            log.info("task %s: %s SMS refused (%s)", task_id, kind, refused)
            return "refused"
    return deliver_now(env, sms_id)


def _body(env: Container, row: dict[str, Any], task: dict[str, Any] | None) -> str:
    texts = sms.load(env.settings.flows_dir)
    if task is None:
        return sms.render(texts, row["kind"], row["language"])
    day = task.get("promised_by") or task["due_at"].astimezone(env.tz).date()
    return sms.render(texts, row["kind"], row["language"], day, task.get("window"), task.get("reference"))


def deliver_now(env: Container, sms_id: int) -> str:
    """Hand a pending SMS to Twilio once and record its SID and first state; returns the state."""
    now = env.clock()
    with env.engine.begin() as conn:
        row = sms.get(conn, sms_id)
        if row is None or row["status"] != "pending":
            return row["status"] if row else "missing"
        task = callbacks.get(conn, row["callback_id"]) if row["callback_id"] is not None else None
        if not twilio_configured(env.settings):  # an answer to a reply, with no account to send it from
            sms.note_state(conn, sms_id, "refused", now, why="no_twilio_account")
            return "refused"
        if not sms.claim(conn, sms_id, _body(env, row, task), now):
            return "taken"
        body = sms.get(conn, sms_id)["body"]
    try:
        sent = messaging.send(env.settings, row["phone"], body)
    except TwilioRestException as exc:
        if exc.status in RETRY_STATUSES:
            _release(env, sms_id)
            raise
        state = "failed" if exc.status and exc.status < 500 else "sending"  # a 500: Twilio may have taken it
        with env.engine.begin() as conn:
            sms.note_state(conn, sms_id, state, env.clock(), why=f"twilio {exc.status} {exc.code}")
        log.warning("SMS %s: Twilio answered %s (code %s); not sent again", sms_id, exc.status, exc.code)
        return state
    except (requests.ConnectionError, NoPublicUrl):  # Twilio certainly not reached (ConnectTimeout included)
        _release(env, sms_id)
        raise
    except requests.RequestException as exc:  # a read timeout: Twilio may have it; never sent again
        log.error("SMS %s: Twilio's answer lost (%s); left as sending, not sent again", sms_id, type(exc).__name__)
        return "sending"
    with env.engine.begin() as conn:
        sms.note_state(conn, sms_id, sent.status if sent.status in sms.STATES else "queued", env.clock(),
                       message_sid=sent.sid)
    return sent.status


def _release(env: Container, sms_id: int) -> None:
    with env.engine.begin() as conn:
        sms.release(conn, sms_id, env.clock())


def sweep(env: Container, now: datetime | None = None) -> int:
    """Queue the SMS still pending a minute after they were recorded (their job was lost); returns how many."""
    if env.redis is None:
        return 0
    now = now or env.clock()
    with env.engine.connect() as conn:
        ids = sms.stale(conn, now - SWEEP_AFTER, now - SWEEP_WITHIN)
    count = 0
    try:
        for sms_id in ids:
            count += jobqueue.request_sms_delivery(env.redis, sms_id)
    except redis.RedisError as exc:
        log.warning("SMS sweep: Redis failed (%s)", type(exc).__name__)
    return count
