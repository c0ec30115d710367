"""Twilio voice webhooks: incoming call, menu steps, status and recording callbacks, fallback."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from urllib.parse import unquote_plus

from flask import Blueprint
from flask import Flask
from flask import Request
from flask import Response
from flask import abort
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException

from ivr.core.errors import UnknownNodeError
from ivr.engine import runtime
from ivr.engine.model import CallbackRequested
from ivr.engine.model import Event
from ivr.engine.model import Reached
from ivr.engine.model import RecordingAttached
from ivr.engine.model import Step
from ivr.store.callpaths import CALL_KEY_TTL
from ivr.telephony import params as webhook_rules
from ivr.telephony import twiml
from ivr.web.voice import callstate
from ivr.web.voice.signatures import first_delivery
from ivr.web.voice.signatures import is_valid
from ivr.web.voice.stepcache import CachedStep
from ivr.web.voice.switchboard import EXTENSION
from ivr.web.voice.switchboard import Switchboard
from ivr.web.voice.switchboard import switchboard

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)
MAX_FIELD = 512
"""Longest form value we read; Twilio's are far shorter, anything longer is hostile."""
MAX_BODY = 64 * 1024
"""Largest webhook body parsed directly (the app's MAX_CONTENT_LENGTH refuses more)."""


class _Webhook:
    """What one webhook request carries, read once: the public base URL, Twilio's form and its fields."""

    __slots__ = ("base", "form", "fields", "signature")

    def __init__(self, base: str, form: list[tuple[str, str]], signature: str | None = None):
        self.base, self.form, self.signature = base, form, signature  # form: (key, value) pairs in order
        # each key's first value, as MultiDict.get would give it (a repeated key is refused by the rules)
        self.fields = {k: v[:MAX_FIELD] for k, v in reversed(form)} if form else {}

    def field(self, name: str) -> str:
        return self.fields.get(name) or ""


def init_app(app: Flask) -> None:
    """Register the webhooks and their switchboard (on the app's container: ivr.web.services.init_app first)."""
    from ivr.web.voice import agents  # noqa: F401 - the live queue's routes on this blueprint
    from ivr.web.voice import waiting  # noqa: F401

    app.extensions[EXTENSION] = Switchboard(app.extensions["ivr"])
    app.register_blueprint(bp)


def _base_of(req: Request, board: Switchboard) -> str:
    return board.container.settings.public_url or (req.scheme + "://" + req.host + req.script_root)


def _split(body: str) -> list[tuple[str, str]]:
    return [item.partition("=")[::2] for item in body.split("&") if item]  # type: ignore[misc]


def _pairs(body: str) -> list[tuple[str, str]]:
    """A urlencoded body as (key, value) pairs, as parse_qsl reads it, in as few unquoting calls as possible."""
    if "%" in body or "+" in body:
        if "%26" in body or "%3D" in body or "%3d" in body:  # an escaped & or =: unquote item by item
            return [(unquote_plus(key), unquote_plus(value)) for key, value in _split(body)]
        body = unquote_plus(body)  # nothing escaped decodes to a separator: unquote it all at once, then split
    return _split(body)


def _form_of(req: Request) -> list[tuple[str, str]]:
    if req.mimetype == "application/x-www-form-urlencoded" and (req.content_length or 0) <= MAX_BODY:
        # Twilio always posts a small urlencoded form: parse it directly, skipping werkzeug's stream machinery
        return _pairs(req.get_data(cache=False, parse_form_data=False).decode("utf-8", "replace"))
    return list(req.form.items(multi=True))


def _webhook() -> _Webhook:
    """This request's webhook data (read by the signature check; each proxy lookup costs on the hot path)."""
    hook = g.get("ivr_hook")
    if hook is None:
        req = request._get_current_object()  # type: ignore[attr-defined]
        hook = g.ivr_hook = _Webhook(_base_of(req, switchboard()), _form_of(req))
    return hook


def _field(name: str) -> str:
    return _webhook().field(name)


def _xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, content_type=twiml.CONTENT_TYPE)


@bp.before_request
def _check_signature() -> None:
    """Signed by Twilio and shaped as Twilio sends it: else 403. (A replay is refused where it could do harm:
    see `_answer`.)"""
    board = switchboard()
    settings = board.container.settings
    req = request._get_current_object()  # type: ignore[attr-defined]
    given = req.headers.get("X-Twilio-Signature")
    hook = _Webhook(_base_of(req, board), _form_of(req), given)
    if settings.validate_signatures:
        query = req.query_string.decode("latin-1")
        url = hook.base + req.path + ("?" + query if query else "")
        if not is_valid(settings.twilio_auth_token, url, hook.form, given):
            abort(403)
    problem = webhook_rules.problem(req.path, hook.form, hook.fields, settings.twilio_account_sid)
    if problem is not None:
        log.warning("webhook %s refused: %s", req.path, problem)  # key names only, never values
        abort(403)
    g.ivr_hook = hook
    return None


@bp.after_request
def _nosniff(response: Response) -> Response:
    """No type sniffing of any answer (people's pages get it from ivr.web.headers, whose hook webhooks skip)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.errorhandler(Exception)
def _apology(exc: Exception):
    if isinstance(exc, HTTPException):
        return exc
    hook = g.get("ivr_hook")  # set only once the form passed the rules: its CallSid is safe to log
    log.exception("call %s: error in %s, answering with the apology", hook.field("CallSid") if hook else "-",
                  request.path)
    return _xml(twiml.apology(_fallback_number()))


def _fallback_number() -> str | None:
    settings = switchboard().container.settings
    return settings.desks[settings.config.hotline.fallback_desk].number


def _record_effects(board: Switchboard, step: Step, call_sid: str, version: str) -> None:
    now = board.container.clock()
    items = []  # one commit for all of this step's events
    for effect in step.effects:
        if isinstance(effect, CallbackRequested):
            items.append(("callback", call_sid, f"callback:{call_sid}:{effect.desk}",
                           {"desk": effect.desk, "phone": effect.phone, "language": effect.language,
                            "version": version, "at": now.isoformat(), "path": step.path}))
        elif isinstance(effect, RecordingAttached):
            items.append(("recording", call_sid, f"recording:{call_sid}:{effect.desk}:{effect.sid or effect.url}",
                           {"desk": effect.desk, "url": effect.url, "sid": effect.sid,
                            "duration": effect.duration}))
        elif isinstance(effect, Reached) and effect.outcome is not None:
            items.append(("reached", call_sid, f"reached:{call_sid}:{effect.desk}:{effect.outcome.value}",
                           {"desk": effect.desk, "outcome": effect.outcome.value, "language": step.lang,
                            "version": version, "at": now.isoformat(), "path": step.path}))
    if items:
        board.intake.submit_many(items, now)


def _answer(board: Switchboard, step: Step, hook: _Webhook, version: str, now: datetime, started: bool = False,
            body: bytes | None = None, guarded: bool = False) -> Response:
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
        _record_effects(board, step, call_sid, version)
    return _xml(body if body is not None else board.renderer.render(step, hook.base))


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
    board, hook = switchboard(), _webhook()
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
    board, hook = switchboard(), _webhook()
    svc = board.container
    req = request._get_current_object()  # type: ignore[attr-defined]
    fields, field = hook.fields, hook.field
    plain_keys = not any(k in fields for k in ("DialCallStatus", "RecordingUrl", "RecordingSid"))
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
    return _answer(board, result, hook, bundle.version, now, guarded=guarded)


@bp.post("/status")
def status() -> tuple[str, int]:
    """Take a call status callback (any order, any repetition: stored once by its dedupe key); the job keeps the
    latest state. This process's last nodes of the call reach Redis before the job is queued (the intake's
    thread flushes the tracker first), so the webhook itself waits on no Redis round trip."""
    board = switchboard()
    call_sid, call_status = _field("CallSid"), _field("CallStatus")
    if call_sid and call_status in webhook_rules.CALL_STATUSES:  # the rules refused others; kept for direct calls
        now = board.container.clock()
        board.intake.submit("status", call_sid, f"status:{call_sid}:{call_status}:{_field('SequenceNumber')}",
                          {"status": call_status, "duration": _field("CallDuration"),
                           "from": webhook_rules.e164(_field("From")),  # a stored caller ID is E.164 or nothing
                           "timestamp": _field("Timestamp"), "sequence": _field("SequenceNumber"),
                           "received_at": now.isoformat(), "received_ns": time.time_ns()}, now)
    return "", 204


@bp.post("/recording")
def recording() -> tuple[str, int]:
    """Take a recording status callback; a job copies the recording and deletes it at Twilio."""
    board = switchboard()
    call_sid, sid = _field("CallSid"), _field("RecordingSid")
    if call_sid and sid and _field("RecordingStatus") in webhook_rules.RECORDING_STATUSES:
        now = board.container.clock()
        board.intake.submit("recording_status", call_sid, f"recording_status:{sid}:{_field('RecordingStatus')}",
                          {"sid": sid, "url": _field("RecordingUrl"), "status": _field("RecordingStatus"),
                           "duration": _field("RecordingDuration")}, now)
    return "", 204


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's Fallback URL: a valid answer that needs neither Redis nor the database."""
    return _xml(twiml.apology(_fallback_number()))
