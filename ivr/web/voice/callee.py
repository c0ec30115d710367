"""The callee's leg of a click-to-call: who is calling, in the caller's language, and press 1 to be connected.

The staff member's call dials the caller with `<Number url="/voice/callee?t=<task>&u=<user>&n=<attempts>">`
(ivr.telephony.rest.bridge_twiml, signed by Twilio like every webhook) and the leg's end at `/voice/callee/status`
(not answered or busy: an attempt not reached too). Twilio runs that TwiML on the callee's
leg before bridging: an empty answer connects the two, a hang-up ends the staff member's dial too. A voicemail or
a child who does not press 1 is not reached: the attempt is logged as `no_answer` for the person who called, once
(only while the task still has the attempt count it had when the call started), and after the desk's last attempt
the task closes as unreachable and the caller gets the "we could not reach you" SMS when they asked for SMS.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Response
from flask import request
from twilio.twiml.voice_response import VoiceResponse

from ivr.container import Container
from ivr.hotline import attempts
from ivr.hotline import callbacks
from ivr.hotline import users
from ivr.hotline import worklist
from ivr.hotline.worklist import TaskError
from ivr.web import unreached
from ivr.web.voice.switchboard import switchboard
from ivr.web.voice.webhook import bp
from ivr.web.voice.webhook import webhook
from ivr.web.voice.webhook import xml

log = logging.getLogger(__name__)
GATHER_SECONDS = 6
"""Seconds to wait for the key after each time the message is said (twice)."""
AUDIO = "callee.wav"
"""The recorded message of a language without a Twilio voice (ivr/static/audio/<language>/; fa, kmr and uk are
espeak-ng placeholders of TEXTS, made as scripts/placeholder_audio.py makes the prompts', awaiting a recording)."""
NOTE = "automatisch: keine 1 gedrückt"
"""The note on an attempt the callee's leg logged itself (staff read the task's history in German)."""
UNANSWERED = {"no-answer": ("no_answer", "automatisch: nicht abgenommen"), "busy": ("busy", "automatisch: besetzt"),
              "failed": ("no_answer", "automatisch: Verbindung fehlgeschlagen")}
"""How the callee's leg ended without being answered -> the attempt's outcome and note (`canceled`: the staff
member hung up first, and `completed`: answered, are theirs to log)."""
TEXTS = {
    "de": "Hier ist der Rückruf des Hauses der Integration Wuppertal. Bitte drücken Sie die 1, dann werden Sie "
          "verbunden.",
    "ar": "هذا اتصال معاودة من بيت الاندماج في فوبرتال. يُرجى الضغط على 1 ليتم توصيلك.",
    "uk": "Це зворотний дзвінок від Дому інтеграції Вупперталя. Будь ласка, натисніть 1, щоб вас з'єднали.",
    "tr": "Wuppertal Entegrasyon Evi sizi geri arıyor. Bağlanmak için lütfen 1'e basın.",
    "fa": "این تماس برگشتی از خانه ادغام وپرتال است. لطفاً برای وصل شدن عدد 1 را فشار دهید.",
    "kmr": "Ev telefona vegerê ya Mala Entegrasyonê ya Wuppertalê ye. Ji kerema xwe ji bo girêdanê bişkoka 1 "
           "bitikînin.",
    "en": "This is your callback from the Haus der Integration Wuppertal. Please press 1 to be connected.",
    "ru": "Это обратный звонок от Дома интеграции Вупперталя. Пожалуйста, нажмите 1, чтобы вас соединили.",
}
"""What the callee hears, in the language they chose on the hotline (machine-drafted like the prompts but de)."""


def _ids(args: Mapping[str, str]) -> tuple[int, int, int] | None:
    values = args.get("t", ""), args.get("u", ""), args.get("n", "")
    if all(v.isascii() and v.isdigit() and 0 < len(v) <= 12 for v in values):
        return int(values[0]), int(values[1]), int(values[2])
    return None


def _url(base: str, path: str, ids: tuple[int, int, int], replay: bool = False) -> str:
    task_id, user_id, count = ids
    return f"{base}/voice/{path}?t={task_id}&u={user_id}&n={count}" + ("&r=1" if replay else "")


def _speak(svc: Container, target: object, lang: str, base: str) -> None:
    """The message in `lang`: Twilio's voice, the recorded file for a language without one, else German."""
    language = svc.settings.config.languages.get(lang)
    if language is not None and language.uses_tts and lang in TEXTS:
        target.say(TEXTS[lang], voice=language.voice, language=language.tts_language)  # type: ignore[attr-defined]
        return
    if (Path(svc.settings.audio_dir) / lang / AUDIO).is_file():
        target.play(f"{base}/static/audio/{lang}/{AUDIO}")  # type: ignore[attr-defined]
        return
    german = svc.settings.config.languages.get("de")
    target.say(TEXTS["de"], voice=german.voice if german else None, language="de-DE")  # type: ignore[attr-defined]


def _hang_up() -> Response:
    response = VoiceResponse()
    response.hangup()
    return xml(str(response).encode())


def _open_task(svc: Container, ids: tuple[int, int, int]) -> dict | None:
    """The task this leg calls for, while it is open and no attempt was logged since the call started."""
    with svc.engine.connect() as conn:
        task = callbacks.get(conn, ids[0])
    if task is None or task["status"] != "open" or task["attempts"] != ids[2]:
        return None
    return task


def message(svc: Container, base: str, ids: tuple[int, int, int], lang: str, replay: bool = False) -> Response:
    """The message, said twice, each time waiting for the key; no key at all goes to `key` without Digits."""
    response = VoiceResponse()
    key_url = _url(base, "callee/key", ids, replay)
    for _ in range(2):
        gather = response.gather(num_digits=1, action=key_url, method="POST", timeout=GATHER_SECONDS,
                                 action_on_empty_result=False)
        _speak(svc, gather, lang, base)
    response.redirect(key_url, method="POST")
    return xml(str(response).encode())


@bp.post("/callee")
def callee() -> Response:
    """The caller picked up the staff member's callback: who calls and press 1 (a stale call hangs up)."""
    svc, hook = switchboard().container, webhook()
    ids = _ids(request.args)
    task = _open_task(svc, ids) if ids is not None else None
    if ids is None or task is None:
        log.info("call %s: callee leg for a task no longer waiting for this call", hook.field("CallSid"))
        return _hang_up()
    return message(svc, hook.base, ids, task["language"])


def not_reached(svc: Container, ids: tuple[int, int, int], outcome: str = "no_answer", note: str = NOTE) -> bool:
    """Log the attempt as not reached for the person who called (once; nothing when the task moved on meanwhile,
    or another person holds it). True when it closed the task and recorded the unreached SMS to send."""
    task_id, user_id, count = ids
    with svc.engine.begin() as conn:
        task = callbacks.get(conn, task_id)
        person = users.load(conn, user_id)
        if task is None or person is None or task["status"] != "open" or task["attempts"] != count:
            return False
        limits = attempts.limits(svc.settings, task["desk"])
        schedule = svc.schedules[task["desk"]]
        window = attempts.window_ranges(svc.settings.desks.get(task["desk"]), task.get("window"))
        try:
            status = worklist.log_attempt(conn, task, person, worklist.Attempt(outcome, note, False), svc.clock(),
                                          schedule, limits.spacing_minutes, limits.attempts, window)
        except TaskError as exc:
            log.info("task %s: callee's missing key not logged (%s)", task_id, exc.key)
            return False
        return status == "closed" and unreached.record(svc, conn, task_id, svc.clock())


@bp.post("/callee/key")
def callee_key() -> Response:
    """1 connects (an empty answer: Twilio bridges the staff member); another key hears the message once more; no
    key is not reached (logged, then hang up, which ends the staff member's dial too)."""
    svc, hook = switchboard().container, webhook()
    ids = _ids(request.args)
    if ids is None:
        return _hang_up()
    digits = hook.field("Digits")
    if digits == "1":
        return xml(str(VoiceResponse()).encode())
    if digits and request.args.get("r") != "1":
        task = _open_task(svc, ids)
        if task is not None:
            return message(svc, hook.base, ids, task["language"], replay=True)
    if not_reached(svc, ids):
        unreached.request_sms(svc, ids[0])
    return _hang_up()


@bp.post("/callee/status")
def callee_status() -> Response:
    """The callee's leg ended: not answered, busy or failed is an attempt not reached (logged once, as a missing
    key is)."""
    svc, hook = switchboard().container, webhook()
    ids = _ids(request.args)
    ended = UNANSWERED.get(hook.field("CallStatus"))
    if ids is not None and ended is not None and not_reached(svc, ids, *ended):
        unreached.request_sms(svc, ids[0])
    return Response(status=204)
