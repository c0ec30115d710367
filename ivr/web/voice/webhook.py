"""The voice webhooks' shared parts: the blueprint, what a request carries (read once), the signature and shape
check before every webhook, TwiML answers, the apology when anything fails. The callers' steps (views), their
wait in a queue (waiting) and the offered person's call (agents) each add their routes to this blueprint."""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

from flask import Blueprint
from flask import Request
from flask import Response
from flask import abort
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException

from ivr.telephony import params as webhook_rules
from ivr.telephony import twiml
from ivr.web.voice.signatures import is_valid
from ivr.web.voice.switchboard import Switchboard
from ivr.web.voice.switchboard import switchboard

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)
MAX_FIELD = 512
"""Longest form value we read; Twilio's are far shorter, anything longer is hostile."""
MAX_BODY = 64 * 1024
"""Largest webhook body parsed directly (the app's MAX_CONTENT_LENGTH refuses more)."""
MAX_QUEUE_POSITION = 1000
"""Twilio's largest queue: a QueuePosition beyond it (or below 1) is absurd."""
MAX_QUEUE_TIME = 4 * 3600
"""Seconds: no desk lets a caller wait an hour (max_wait <= 3600); a QueueTime far beyond is absurd."""
ABSURD = -1
"""What `queue_figure` returns for a value Twilio would never send."""


class Webhook:
    """What one webhook request carries, read once: the public base URL, Twilio's form and its fields."""

    __slots__ = ("base", "form", "fields", "signature")

    def __init__(self, base: str, form: list[tuple[str, str]], signature: str | None = None):
        self.base, self.form, self.signature = base, form, signature  # form: (key, value) pairs in order
        # each key's first value, as MultiDict.get would give it (a repeated key is refused by the rules)
        self.fields = {k: v[:MAX_FIELD] for k, v in reversed(form)} if form else {}

    def field(self, name: str) -> str:
        return self.fields.get(name) or ""


def _base_of(req: Request, board: Switchboard) -> str:
    return board.container.settings.public_url or (req.scheme + "://" + req.host + req.script_root)


def _split(body: str) -> list[tuple[str, str]]:
    return [item.partition("=")[::2] for item in body.split("&") if item]  # type: ignore[misc]


def pairs(body: str) -> list[tuple[str, str]]:
    """A urlencoded body as (key, value) pairs, as parse_qsl reads it, in as few unquoting calls as possible."""
    if "%" in body or "+" in body:
        if "%26" in body or "%3D" in body or "%3d" in body:  # an escaped & or =: unquote item by item
            return [(unquote_plus(key), unquote_plus(value)) for key, value in _split(body)]
        body = unquote_plus(body)  # nothing escaped decodes to a separator: unquote it all at once, then split
    return _split(body)


def _form_of(req: Request) -> list[tuple[str, str]]:
    if req.mimetype == "application/x-www-form-urlencoded" and (req.content_length or 0) <= MAX_BODY:
        # Twilio always posts a small urlencoded form: parse it directly, skipping werkzeug's stream machinery
        return pairs(req.get_data(cache=False, parse_form_data=False).decode("utf-8", "replace"))
    return list(req.form.items(multi=True))


def webhook() -> Webhook:
    """This request's webhook data (read by the signature check; each proxy lookup costs on the hot path)."""
    hook = g.get("ivr_hook")
    if hook is None:
        req = request._get_current_object()  # type: ignore[attr-defined]
        hook = g.ivr_hook = Webhook(_base_of(req, switchboard()), _form_of(req))
    return hook


def field(name: str) -> str:
    return webhook().field(name)


def xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, content_type=twiml.CONTENT_TYPE)


@bp.before_request
def _check_signature() -> None:
    """Signed by Twilio and shaped as Twilio sends it: else 403. (A replay is refused where it could do harm:
    see `_answer`.)"""
    board = switchboard()
    settings = board.container.settings
    req = request._get_current_object()  # type: ignore[attr-defined]
    given = req.headers.get("X-Twilio-Signature")
    hook = Webhook(_base_of(req, board), _form_of(req), given)
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
    return xml(twiml.apology(fallback_number()))


def fallback_number() -> str | None:
    settings = switchboard().container.settings
    return settings.desks[settings.config.hotline.fallback_desk].number


def queue_figure(value: str, low: int, high: int) -> int | None:
    """A number Twilio sent with a queue request: None when absent, ABSURD when outside low..high or no number."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 7) or not low <= int(value) <= high:
        return ABSURD
    return int(value)
