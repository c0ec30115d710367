"""The "we could not reach you" SMS after a task's last failed attempt, asked for by whichever request closed it
(the task page's attempt form, the callee's missing key on a click-to-call)."""

from __future__ import annotations

import logging
from datetime import datetime

import redis
from sqlalchemy.engine import Connection

from ivr.container import Container
from ivr.hotline import callbacks
from ivr.hotline import sms
from ivr.store import jobqueue

log = logging.getLogger(__name__)
UNREACHED = "unreachable"
"""The outcome a task closes with after its last failed attempt."""
KIND = "unreached"


def record(svc: Container, conn: Connection, task_id: int, now: datetime) -> bool:
    """In the transaction that closed the task: the SMS's record, pending (or refused: premium or service number,
    country, the number's daily limit), when the task closed as unreachable and the caller asked for SMS. Durable
    with the closing: a request lost to a Redis outage is picked up by the SMS sweep, and the dedupe key
    (`unreached:<task>`) keeps it to one. True when recorded now to be sent."""
    task = callbacks.get(conn, task_id)
    if task is None or task["status"] != "closed" or task["outcome"] != UNREACHED or not task.get("sms_consent"):
        return False
    config = svc.settings.config
    refused = sms.refusal(task["phone"], config.callbacks.allowed_countries) if task["phone"] else "no_number"
    sms_id = sms.reserve(conn, f"{KIND}:{task_id}", task_id, KIND, task["phone"], task["language"], now, refused,
                         config.sms.per_number_daily_limit)
    return sms_id is not None and refused is None  # a refused one is on the task's history, nothing to send


def request_sms(svc: Container, task_id: int) -> bool:
    """After the commit: ask the worker to send the recorded SMS now; True when asked. Redis down: logged, the
    sweep sends it."""
    if svc.redis is None or not svc.breaker.closed:
        log.warning("task %s: unreached SMS left to the sweep (no Redis)", task_id)
        return False
    try:
        jobqueue.request_sms(svc.redis, task_id, KIND)
    except redis.RedisError as exc:
        svc.breaker.trip()
        log.warning("task %s: unreached SMS left to the sweep (%s)", task_id, type(exc).__name__)
        return False
    return True
