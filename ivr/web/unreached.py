"""The "we could not reach you" SMS after a task's last failed attempt, asked for by whichever request closed it
(the task page's attempt form, the callee's missing key on a click-to-call)."""

from __future__ import annotations

import logging

import redis

from ivr.container import Container
from ivr.hotline import callbacks
from ivr.store import jobqueue

log = logging.getLogger(__name__)
UNREACHED = "unreachable"
"""The outcome a task closes with after its last failed attempt."""


def request_sms(svc: Container, task_id: int) -> bool:
    """Ask the worker for the task's `unreached` SMS when the task closed as unreachable and the caller consented;
    True when asked. Sent once at most (the SMS job's dedupe key); Redis down: logged, not retried here."""
    with svc.engine.connect() as conn:
        task = callbacks.get(conn, task_id)
    if task is None or task["status"] != "closed" or task["outcome"] != UNREACHED or not task.get("sms_consent"):
        return False
    ask = getattr(jobqueue, "request_sms", None)  # the SMS side (workers.sms) may not be deployed yet
    if ask is None or svc.redis is None or not svc.breaker.closed:
        log.warning("task %s: unreached SMS not requested (no SMS sending or no Redis)", task_id)
        return False
    try:
        ask(svc.redis, task_id, "unreached")
    except redis.RedisError as exc:
        svc.breaker.trip()
        log.warning("task %s: unreached SMS not requested (%s)", task_id, type(exc).__name__)
        return False
    return True
