"""The offered person's side of the live queue: whisper, acceptance, bridge, end and the call's status.

The worker rings a person (workers.dispatch, ivr.telephony.rest.offer_call) with the queue entry and the person
in the URL (`?e=<entry>&u=<user>`, signed by Twilio like every webhook). The whisper names desk, language and
wait in the person's interface language; pressing 1 accepts, and `<Dial><Queue>` takes the caller out of the
desk's queue for that language. Every change is one of queueing's conditional updates, so a late, repeated or
crossing request (the caller left, the offer expired, another person was faster) changes nothing and the person
hears that the call is taken.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

import redis
from flask import Response
from flask import request
from sqlalchemy.engine import Connection
from twilio.twiml.voice_response import VoiceResponse

from ivr.container import Container
from ivr.core.languages import UI_LANGS
from ivr.core.languages import language_name
from ivr.hotline import queueing
from ivr.hotline import users
from ivr.store.jobqueue import request_dispatch
from ivr.web.voice.switchboard import switchboard
from ivr.web.voice.webhook import bp
from ivr.web.voice.webhook import webhook
from ivr.web.voice.webhook import xml

log = logging.getLogger(__name__)
GATHER_SECONDS = 6
"""Seconds the whisper waits for the key after each time it is said (twice, within the offer's 20 seconds)."""
DIAL_SECONDS = 15
"""Seconds the accepted `<Dial><Queue>` waits when the caller's queue is empty (the caller left a moment ago)."""
ENDED_CALL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
"""Statuses of an offer call that is over."""
VOICES = {"de": ("de-DE", "Polly.Vicki-Neural"), "en": ("en-GB", "Polly.Amy-Neural")}
TEXTS = {
    "de": {
        "whisper": "Hotline, {desk}, {language}, wartet seit {wait}. Zum Annehmen die 1.",
        "minutes": "{n} Minuten", "minute": "einer Minute", "under": "weniger als einer Minute",
        "taken": "Dieser Anruf ist schon vergeben. Danke.",
        "declined": "Nicht angenommen. Der Anruf geht an die nächste Person.",
        "connecting": "Sie werden verbunden.",
        "done": "Anruf beendet. Nachbearbeitung.",
    },
    "en": {
        "whisper": "Hotline, {desk}, {language}, waiting for {wait}. Press 1 to accept.",
        "minutes": "{n} minutes", "minute": "one minute", "under": "less than a minute",
        "taken": "This call has been taken already. Thank you.",
        "declined": "Not accepted. The call goes to the next person.",
        "connecting": "Connecting you.",
        "done": "Call ended. Wrap-up.",
    },
}
"""What the offered person hears, in their interface language."""


def wait_words(seconds: int, lang: str) -> str:
    """A wait rounded to whole minutes, as the whisper says it."""
    texts = TEXTS[lang]
    minutes = int(seconds / 60 + 0.5)
    if minutes < 1:
        return texts["under"]
    return texts["minute"] if minutes == 1 else texts["minutes"].format(n=minutes)


def whisper_text(desk_name: str, language: str, waited: int, lang: str) -> str:
    """"Hotline, Allgemeine Information, Arabisch, wartet seit 2 Minuten. Zum Annehmen die 1." """
    return TEXTS[lang]["whisper"].format(desk=desk_name, language=language, wait=wait_words(waited, lang))


def _ids(args: Mapping[str, str]) -> tuple[int, int] | None:
    values = args.get("e", ""), args.get("u", "")
    if all(v.isascii() and v.isdigit() and 0 < len(v) <= 12 for v in values):
        return int(values[0]), int(values[1])
    return None


def _lang(conn: Connection, user_id: int) -> str:
    person = users.load(conn, user_id, inactive=True)
    return person.ui_lang if person is not None and person.ui_lang in TEXTS else UI_LANGS[0]


def _say(response: VoiceResponse | object, text: str, lang: str) -> None:
    language, voice = VOICES[lang]
    response.say(text, language=language, voice=voice)  # type: ignore[attr-defined]


def _url(base: str, path: str, entry_id: int, user_id: int) -> str:
    return f"{base}/voice/agent/{path}?e={entry_id}&u={user_id}"


def _goodbye(text_key: str, lang: str) -> Response:
    response = VoiceResponse()
    _say(response, TEXTS[lang][text_key], lang)
    response.hangup()
    return xml(str(response).encode())


def _ask_dispatch(svc: Container, desk: str) -> None:
    """Ask the worker to offer the desk's callers again; never waits on a Redis known to be down (the sweep will)."""
    if svc.redis is None or not svc.breaker.closed:
        return
    try:
        request_dispatch(svc.redis, desk)
    except redis.RedisError as exc:
        svc.breaker.trip()
        log.warning("dispatch of %s not requested (%s); the sweep will", desk, type(exc).__name__)


def _desk_name(svc: Container, desk: str, lang: str) -> str:
    config = svc.settings.desks.get(desk)
    if config is None:
        return desk
    return config.name.get(lang) or config.name.get(UI_LANGS[0]) or desk


@bp.post("/agent/whisper")
def agent_whisper() -> Response:
    """The offered person answered: desk, language and wait, then press 1 (said twice); else the call ends."""
    svc, hook = switchboard().container, webhook()
    ids, now = _ids(request.args), svc.clock()
    if ids is None:
        return _goodbye("taken", UI_LANGS[0])
    with svc.engine.connect() as conn:
        lang = _lang(conn, ids[1])
        found = queueing.offer_of(conn, *ids)
    if found is None or found.state != queueing.OFFERED or found.leave_reason is not None:
        log.info("call %s: whisper for an offer no longer this person's", hook.field("CallSid"))
        return _goodbye("taken", lang)
    text = whisper_text(_desk_name(svc, found.desk, lang), language_name(found.language, lang), found.waited(now),
                        lang)
    response = VoiceResponse()
    for _ in range(2):
        gather = response.gather(num_digits=1, action=_url(hook.base, "accept", found.id, ids[1]), method="POST",
                                 timeout=GATHER_SECONDS, action_on_empty_result=False)
        _say(gather, text, lang)
    _say(response, TEXTS[lang]["declined"], lang)
    response.hangup()  # the status callback then counts the offer as missed
    return xml(str(response).encode())


@bp.post("/agent/accept")
def agent_accept() -> Response:
    """The person's key: 1 takes the caller out of the queue (`<Dial><Queue>`), anything else declines (a miss)."""
    svc, hook = switchboard().container, webhook()
    ids, now = _ids(request.args), svc.clock()
    if ids is None:
        return _goodbye("taken", UI_LANGS[0])
    user_id = ids[1]
    accepted = declined = None
    with svc.engine.begin() as conn:
        lang = _lang(conn, user_id)
        found = queueing.offer_of(conn, *ids)
        if found is not None and found.leave_reason is None:
            if hook.field("Digits") != "1":
                declined = found if queueing.miss(conn, found.id, user_id, now, detail="declined") else None
            elif found.state == queueing.ACCEPTED:  # a repeated request answers the same
                accepted = found
            else:
                accepted = queueing.accept(conn, found.id, user_id, now)
    if declined is not None:  # the caller goes to the next person
        _ask_dispatch(svc, declined.desk)
        return _goodbye("declined", lang)
    if accepted is None:
        log.info("call %s: acceptance of an offer no longer this person's", hook.field("CallSid"))
        return _goodbye("taken", lang)
    response = VoiceResponse()
    _say(response, TEXTS[lang]["connecting"], lang)
    dial = response.dial(action=_url(hook.base, "done", accepted.id, user_id), method="POST", timeout=DIAL_SECONDS)
    dial.queue(queueing.queue_name(accepted.desk, accepted.language),
               url=_url(hook.base, "bridge", accepted.id, user_id), method="POST")
    return xml(str(response).encode())


@bp.post("/agent/bridge")
def agent_bridge() -> Response:
    """Twilio is about to bridge the dequeued caller (this request's CallSid) to the person: the wait ends."""
    svc, hook = switchboard().container, webhook()
    ids, now = _ids(request.args), svc.clock()
    if ids is not None:
        with svc.engine.begin() as conn:
            if queueing.connect(conn, hook.field("CallSid"), ids[1], now) is None:
                log.warning("call %s: bridged, but its wait was over already", hook.field("CallSid"))
    return xml(str(VoiceResponse()).encode())


def _call_over(svc: Container, conn: Connection, entry_id: int, user_id: int, now: datetime,
               detail: str) -> str | None:
    """The person's part ended (their Dial or their whole call): wrap-up after a talk; an offer still open is
    missed (never accepted) or put back (accepted, never bridged). Returns the desk to dispatch again, or None."""
    talked = queueing.talking_with(conn, user_id)
    if talked is not None:
        desk = svc.settings.desks.get(talked.desk)
        queueing.agent_done(conn, user_id, now, desk.wrap_up_seconds if desk is not None else 60)
        return talked.desk
    found = queueing.offer_of(conn, entry_id, user_id)
    if found is None:
        return None
    if found.state == queueing.OFFERED and queueing.miss(conn, found.id, user_id, now, detail=detail):
        return found.desk
    if found.state == queueing.ACCEPTED and queueing.withdraw(conn, found.id, user_id, now, detail=detail):
        return found.desk
    return None


@bp.post("/agent/done")
def agent_done() -> Response:
    """The person's `<Dial><Queue>` ended: after a talk, wrap-up (then available again); no bridge: the caller
    waits again for the next person."""
    svc = switchboard().container
    ids, now = _ids(request.args), svc.clock()
    lang, desk = UI_LANGS[0], None
    if ids is not None:
        with svc.engine.begin() as conn:
            lang = _lang(conn, ids[1])
            desk = _call_over(svc, conn, *ids, now, detail="not bridged")
    if desk is not None:
        _ask_dispatch(svc, desk)
    return _goodbye("done", lang)


@bp.post("/agent/status")
def agent_status() -> Response:
    """The offer call ended: not accepted is a miss (the person is paused "verpasst"); hung up mid-talk (Twilio
    posts no Dial action then) is the end of the talk."""
    svc, hook = switchboard().container, webhook()
    ids, now = _ids(request.args), svc.clock()
    status = hook.field("CallStatus")
    if ids is not None and status in ENDED_CALL:
        with svc.engine.begin() as conn:
            desk = _call_over(svc, conn, *ids, now, detail=status)
        if desk is not None:
            _ask_dispatch(svc, desk)
    return Response(status=204)
