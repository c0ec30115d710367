"""Twilio's Messaging webhooks: `/sms/status` (an SMS's delivery state onto its record and the task's history) and
`/sms/incoming` (a caller's reply: a cancel word closes their open callbacks, any other text is a note on them;
answered by SMS at most once an hour). Both are signed by Twilio (X-Twilio-Signature, checked by the voice
webhooks' own check) and shaped as Twilio sends them, else 403; a replayed request changes nothing."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import redis
import sqlalchemy as sa
from flask import Blueprint
from flask import Response
from flask import abort
from flask import g
from flask import request
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from ivr.engine.phones import mask
from ivr.hotline import callbacks
from ivr.hotline import sms
from ivr.store import jobqueue
from ivr.store.db import callbacks as callbacks_table
from ivr.telephony.messaging import STATUSES
from ivr.web.services import services
from ivr.web.voice.signatures import first_delivery
from ivr.web.voice.signatures import is_valid

bp = Blueprint("sms", __name__, url_prefix="/sms")
log = logging.getLogger(__name__)
MAX_FORM = 64
"""Most fields a Messaging webhook carries (Twilio sends about twenty; it adds some without notice)."""
SEEN_TTL = 24 * 3600
"""Seconds a webhook's signature is remembered against replays."""
_SID = re.compile(r"^(SM|MM)[0-9a-f]{32}$")
_ACCOUNT = re.compile(r"^AC[0-9a-f]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMPTY = MessagingResponse().to_xml().encode("utf-8")
"""The answer to a reply: nothing by TwiML (our answer goes out through the REST API, recorded and capped)."""


def _problem(path: str, fields: dict[str, str], account: str | None) -> str | None:
    """What makes a form unlike Twilio's (key names only, never values)."""
    if not _SID.match(fields.get("MessageSid", "")):
        return "MessageSid"
    if not _ACCOUNT.match(fields.get("AccountSid", "")) or (account and fields["AccountSid"] != account):
        return "AccountSid"
    if path.endswith("/status") and fields.get("MessageStatus") not in STATUSES:
        return "MessageStatus"
    if path.endswith("/incoming") and (not _E164.match(fields.get("From", "")) or "Body" not in fields):
        return "From or Body"
    return None


@bp.before_request
def _check_signature() -> None:
    """Signed by Twilio and shaped as Twilio sends it, else 403."""
    container = services()
    settings = container.settings
    form = list(request.form.items(multi=True))
    given = request.headers.get("X-Twilio-Signature")
    base = settings.public_url or (request.scheme + "://" + request.host + request.script_root)
    if settings.validate_signatures:
        query = request.query_string.decode("latin-1")
        url = base + request.path + ("?" + query if query else "")
        if not is_valid(settings.twilio_auth_token, url, form, given):
            abort(403)
    fields = {key: value for key, value in reversed(form)}
    if len(form) > MAX_FORM or len(fields) != len(form):
        abort(403)  # a repeated key: Twilio sends each once
    problem = _problem(request.path, fields, settings.twilio_account_sid)
    if problem is not None:
        log.warning("SMS webhook %s refused: %s", request.path, problem)
        abort(403)
    g.sms_fields = fields
    g.sms_fresh = first_delivery(container.redis, container.breaker, given or "", SEEN_TTL) if given else True


@bp.after_request
def _nosniff(response: Response) -> Response:
    """No type sniffing of any answer (people's pages get it from ivr.web.headers, whose hook webhooks skip)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.errorhandler(HTTPException)
def _plain(exc: HTTPException):
    return exc  # Twilio reads no page: Werkzeug's short answer


def _xml() -> Response:
    return Response(EMPTY, content_type="text/xml; charset=utf-8")


@bp.post("/status")
def status() -> Response:
    """An SMS's delivery state (queued, sent, delivered, undelivered, failed): forward only, on the task."""
    fields = g.sms_fields
    container = services()
    with container.engine.begin() as conn:
        sms.on_status(conn, fields["MessageSid"], fields["MessageStatus"], container.clock(),
                      error=(fields.get("ErrorCode") or "")[:8] or None)
    return Response(status=204)


def _language(conn: sa.Connection, phone: str, tasks: list[dict]) -> str:
    if tasks:
        return tasks[0]["language"]
    latest = conn.execute(sa.select(callbacks_table.c.language).where(callbacks_table.c.phone == phone)
                          .order_by(callbacks_table.c.id.desc()).limit(1)).scalar()
    return latest or "de"


@bp.post("/incoming")
def incoming() -> Response:
    """A caller's reply: cancel, note or a neutral answer; at most one answer an hour to one number."""
    if not g.sms_fresh:
        return _xml()  # a replay: handled the first time
    container = services()
    settings = container.settings
    config = settings.config
    fields = g.sms_fields
    phone, body = fields["From"], sms.clean(fields.get("Body", ""))
    texts = sms.load(settings.flows_dir)
    now = container.clock()
    answer_id = None
    with container.engine.begin() as conn:
        tasks = sms.open_tasks(conn, phone)
        if sms.is_cancel(texts, body):
            for task in tasks:
                callbacks.close(conn, task["id"], "cancelled_by_caller", now, actor="sms")
            kind = "cancelled" if tasks else "neutral"
        elif tasks:
            for task in tasks:
                callbacks.record_step(conn, task["id"], "caller", "sms_reply", now, note=body or None)
            kind = "received"
        else:
            kind = "neutral"
        log.info("SMS reply from %s: %s, %d open callbacks", mask(phone), kind, len(tasks))
        wanted = kind != "neutral" or config.sms.neutral_answer
        if wanted and not sms.answered_since(conn, phone, now - timedelta(minutes=config.sms.answer_interval_minutes)):
            task_id = tasks[0]["id"] if tasks else None
            key = f"{kind}:{task_id}" if task_id else f"neutral:{container.cipher.pseudonym(phone)}"
            answer_id = sms.reserve(conn, key, task_id, kind, phone, _language(conn, phone, tasks), now,
                                    sms.refusal(phone, config.callbacks.allowed_countries),
                                    config.sms.per_number_daily_limit)
    if answer_id is not None and container.redis is not None:
        try:
            jobqueue.request_sms_delivery(container.redis, answer_id)
        except redis.RedisError as exc:  # the record is pending: the relay's sweep queues it
            log.warning("SMS answer %s not queued (%s); the sweep will", answer_id, type(exc).__name__)
    return _xml()
