"""The live queue's choice, in the worker: offer a desk's waiting callers to its free people, and the sweep.

A dispatch runs when something changed (a caller joined, a person became available, an offer was missed, a call
ended: each asks with `ivr.store.jobqueue.request_dispatch`) and from the sweep every few seconds. Offers are
conditional updates (`queueing.offer`), so two workers never offer one caller twice or one person two callers; a
short Redis lock per desk spares them the race, and a flag set with each request makes the lock's holder run once
more, so no request is lost while another dispatch of the desk runs.
"""

from __future__ import annotations

import logging
from datetime import datetime

import redis
import requests
from twilio.base.exceptions import TwilioException
from twilio.base.exceptions import TwilioRestException

from ivr.container import Container
from ivr.hotline import choice
from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.store import jobqueue
from ivr.telephony import rest
from workers import context

log = logging.getLogger(__name__)
OFFER_SECONDS = 20
"""An offer not accepted within this long is missed: the person is paused ("verpasst"), the next one is tried."""
ACCEPT_SECONDS = 60
"""An accepted offer not bridged within this long (the person hung up after pressing 1): the caller waits again."""
LOCK_SECONDS = 10
"""How long a desk's dispatch lock lives when its holder dies (a worker killed mid-dispatch); a round that takes
longer (a slow Twilio) lets another worker in, whom the conditional updates keep from offering anything twice."""
ROUNDS = 5
"""Most rounds one dispatch job runs while new requests keep coming (the next job or the sweep does the rest)."""
SWEEP_SECONDS = 3.0
"""Seconds between two sweeps (one worker of all sweeps in each period)."""
_LOCK = "ivr:queue:lock:{desk}"
_SWEEP = "ivr:queue:sweep"
_CALL_ERRORS = (TwilioException, requests.RequestException, OSError)


def dispatch(desk: str) -> int:
    """RQ job: offer the desk's waiting callers to its free people; returns how many offers were made."""
    return run(context.get(), desk)


def run(env: Container, desk: str) -> int:
    """Offer rounds for one desk under its Redis lock, again while requests came in meanwhile (the flag set by
    `request_dispatch`); without Redis, one round without the lock (the conditional updates still hold)."""
    conn, wanted = env.redis, jobqueue.DISPATCH_WANTED.format(desk=desk)
    if conn is None:
        return offer_round(env, desk)
    made = 0
    try:
        for _ in range(ROUNDS):
            lock = conn.lock(_LOCK.format(desk=desk), timeout=LOCK_SECONDS, blocking=False)
            if not lock.acquire():
                return made  # its holder looks at the flag once more after letting go
            try:
                for _ in range(ROUNDS):
                    conn.delete(wanted)
                    made += offer_round(env, desk)
                    if not conn.exists(wanted):
                        break
            finally:
                try:
                    lock.release()
                except redis.exceptions.LockError:  # it expired (a very slow round): somebody may hold it now
                    pass
            if not conn.exists(wanted):
                return made
    except redis.RedisError as exc:
        log.warning("dispatch %s: Redis failed (%s); one round without the lock", desk, type(exc).__name__)
        made += offer_round(env, desk)
    return made


def offer_round(env: Container, desk: str) -> int:
    """Stop offer calls of callers who left, then pair waiting callers with free people (choice.choose) and ring
    each chosen person; returns the offers made."""
    settings = env.follow_config()
    config = settings.desks.get(desk)
    if config is None or config.connect != "queue":
        return 0
    now = env.clock()
    with env.engine.begin() as db:
        stale = queueing.ringing_after_end(db, desk, now)
        callers = [choice.Waiting(e.id, e.desk, e.language, e.joined_at) for e in queueing.waiting(db, desk)
                   if e.state == queueing.WAITING and e.leave_reason is None]
        agents = queueing.agents(db, now, desk) if callers else []
    for ended in stale:
        _stop_call(env, ended)
    free = {a.user_id: a for a in agents
            if a.status == presence.AVAILABLE and a.busy_with is None and (a.phone or "").strip()}
    if not callers or not free:
        return 0
    try:
        rest.public_base(settings)
    except rest.NoPublicUrl as exc:
        log.error("dispatch %s: %d waiting, nobody offered: %s", desk, len(callers), exc)
        return 0
    people = [choice.Free(a.user_id, frozenset(a.desks), frozenset(a.languages), a.idle_since) for a in free.values()]
    pairs = choice.choose(callers, people, now, {desk: config.language_fallback_seconds})
    return sum(_offer(env, caller.entry_id, person.user_id, free[person.user_id].phone or "", now)
               for caller, person in pairs)


def _offer(env: Container, entry_id: int, user_id: int, phone: str, now: datetime) -> int:
    """Reserve the caller for the person, then ring them; 1 when their phone rings."""
    with env.engine.begin() as db:
        if not queueing.offer(db, entry_id, user_id, now):
            return 0  # another worker was faster with this caller or this person
    try:
        call_sid = rest.offer_call(env.settings, phone.strip(), entry_id, user_id)
    except TwilioRestException as exc:
        refused = exc.status is not None and exc.status < 500  # a number Twilio cannot ring: the person must act
        log.warning("offer of queue entry %s to user %s: Twilio answered %s", entry_id, user_id, exc.status)
        with env.engine.begin() as db:
            if refused:
                queueing.miss(db, entry_id, user_id, env.clock(), detail=f"call refused ({exc.status})")
            else:
                queueing.withdraw(db, entry_id, user_id, env.clock(), detail=f"twilio {exc.status}")
        return 0
    except _CALL_ERRORS as exc:
        log.warning("offer of queue entry %s to user %s: call not placed (%s)", entry_id, user_id,
                    type(exc).__name__)
        with env.engine.begin() as db:
            queueing.withdraw(db, entry_id, user_id, env.clock(), detail="call failed")
        return 0
    with env.engine.begin() as db:
        noted = queueing.note_offer_call(db, entry_id, user_id, call_sid)
    if not noted:  # the caller left (or the offer was settled) while the phone started ringing
        _cancel(env, call_sid)
        return 0
    log.info("queue entry %s offered to user %s (call %s)", entry_id, user_id, call_sid)
    return 1


def _cancel(env: Container, call_sid: str) -> None:
    try:
        rest.cancel_call(env.settings, call_sid)
    except _CALL_ERRORS as exc:  # it rings out within OFFER_SECONDS; its whisper says the call is taken
        log.warning("offer call %s not stopped (%s)", call_sid, type(exc).__name__)


def _stop_call(env: Container, ended: queueing.Entry) -> None:
    """Hang up the offer call of a caller who left while a person was rung (once, whichever worker is first)."""
    with env.engine.begin() as db:
        first = queueing.forget_offer_call(db, ended.id, ended.agent_call_sid or "")
    if first and ended.agent_call_sid:
        _cancel(env, ended.agent_call_sid)


def expire(env: Container, found: queueing.Entry, now: datetime) -> str | None:
    """An offer older than OFFER_SECONDS: "missed" (person paused, their call hung up); an offer whose call was
    never noted (the worker died before) is "withdrawn": the person was perhaps never rung. None: settled already."""
    if found.agent_id is None:
        return None
    with env.engine.begin() as db:
        if found.agent_call_sid is None:
            return "withdrawn" if queueing.withdraw(db, found.id, found.agent_id, now, "no call noted") else None
        missed = queueing.miss(db, found.id, found.agent_id, now, detail="not accepted in time")
    if not missed:
        return None
    _cancel(env, found.agent_call_sid)
    return "missed"


def sweep(env: Container, now: datetime | None = None) -> dict[str, int]:
    """The safety net: miss offers nobody took within OFFER_SECONDS, put back acceptances that never led to a
    connection, and ask for a dispatch of every desk with a waiting caller (a lost request, an ended wrap-up)."""
    now = now or env.clock()
    with env.engine.begin() as db:
        overdue = queueing.overdue_offers(db, now, OFFER_SECONDS)
        stuck = queueing.overdue_offers(db, now, ACCEPT_SECONDS, state=queueing.ACCEPTED)
        desks = set(queueing.desks_waiting(db))
    report = {"missed": 0, "withdrawn": 0, "desks": 0}
    for found in overdue:
        done = expire(env, found, now)
        if done is not None:
            report[done] += 1
            desks.add(found.desk)
    for found in stuck:
        with env.engine.begin() as db:
            if found.agent_id is not None and queueing.withdraw(db, found.id, found.agent_id, now, "not bridged"):
                report["withdrawn"] += 1
                desks.add(found.desk)
    if env.redis is not None:
        for desk in sorted(desks):
            jobqueue.request_dispatch(env.redis, desk)
    report["desks"] = len(desks)
    return report


def sweep_due(conn: redis.Redis) -> bool:
    """True for the one worker that sweeps in this period (the others skip it)."""
    return bool(conn.set(_SWEEP, "1", nx=True, px=int(SWEEP_SECONDS * 1000) - 200))
