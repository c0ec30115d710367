"""The JSON API for integrations and checks, with bearer-token auth."""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from functools import wraps
from typing import Annotated
from typing import Any
from typing import Literal

from flask import Blueprint
from flask import abort
from flask import g
from flask import jsonify
from flask import request
from pydantic import Field
from sqlalchemy.exc import SQLAlchemyError

from ivr.hotline import audit
from ivr.hotline import callbacks
from ivr.hotline import calls
from ivr.hotline import closures
from ivr.hotline import figures
from ivr.hotline import users
from ivr.hotline.officehours import desk_status
from ivr.web import inputs
from ivr.web import staffstatus
from ivr.web.services import services

bp = Blueprint("api", __name__, url_prefix="/api")
TASK_STATUSES = ("open", "closed")
CALL_SID = re.compile(r"[A-Za-z0-9]{1,64}")


class CloseBody(inputs.Body):
    """PATCH /api/callbacks/<id>."""

    status: Literal["closed"]
    outcome: Literal[tuple(sorted(callbacks.CLOSE_OUTCOMES))] | None = None  # type: ignore[valid-type]


class ClosureBody(inputs.Body):
    """POST /api/desks/<desk>/closure and /api/announcement."""

    until: str = Field(max_length=64)
    reason: str = Field("", max_length=500)
    message: dict[Annotated[str, Field(max_length=16)], Annotated[str, Field(max_length=1000)]] = \
        Field(default_factory=dict, max_length=32)


class StatusBody(inputs.Body):
    """PUT /api/agents/<username>/status."""

    status: str = Field(max_length=32)


class OverflowBody(ClosureBody):
    """POST /api/overflow."""

    number: str = Field(max_length=32)


def _token_actor(token: str) -> str | None:
    bootstrap = services().settings.api_token
    if bootstrap and hmac.compare_digest(token.encode(), bootstrap.encode()):
        return "api:bootstrap"
    from ivr.hotline import apiclients  # named clients with hashed tokens and scopes

    svc = services()
    return apiclients.actor_for(svc.engine, token, request.path, request.method, svc.clock())


def token_required(view):
    """Answer 401 unless the request carries a valid bearer token."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        actor = _token_actor(token.strip()) if scheme.lower() == "bearer" and token else None
        if actor is None:
            response = jsonify(error="Unauthorized", message="send Authorization: Bearer <token>")
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="ivr"'
            return response
        g.actor = actor
        return view(*args, **kwargs)
    return wrapper


def _json_body(model: type[inputs.Body] = ClosureBody) -> dict[str, Any]:
    return inputs.json_body(model).model_dump()


def _desk_or_404(desk: str) -> str:
    if desk not in services().settings.desks and desk != closures.HOUSE:
        abort(404, f"unknown desk {desk!r}")
    return desk


@bp.get("/callbacks")
@token_required
def list_callbacks():
    """List callback tasks, newest first; filters desk and status are optional."""
    svc = services()
    try:
        limit = int(request.args.get("limit", callbacks.MAX_LIST))
    except ValueError:
        abort(400, "limit must be a number")
    desk, status = request.args.get("desk") or None, request.args.get("status") or None
    if desk is not None and desk not in svc.settings.desks:
        abort(400, "desk must be a desk id of config.yaml")
    if status is not None and status not in TASK_STATUSES:
        abort(400, f"status must be one of {', '.join(TASK_STATUSES)}")
    with svc.engine.begin() as conn:
        rows = callbacks.listing(conn, desk, status, limit)
        audit.write(conn, g.actor, "api.callbacks.list", f"callbacks:{len(rows)}", svc.clock(),
                    f"desk={request.args.get('desk', '')} status={request.args.get('status', '')}")
    return jsonify(callbacks=[callbacks.as_json(r) for r in rows])


@bp.patch("/callbacks/<int:task_id>")
@token_required
def update_callback(task_id: int):
    """Close a task: {"status": "closed", "outcome": "..."}."""
    outcome = inputs.json_body(CloseBody).outcome or "other"
    svc = services()
    with svc.engine.begin() as conn:
        if not callbacks.close(conn, task_id, outcome, svc.clock(), actor=g.actor):
            abort(404, "no such callback")
        audit.write(conn, g.actor, "callback.close", f"callback:{task_id}", svc.clock(), outcome)
        row = callbacks.get(conn, task_id)
    return jsonify(callbacks.as_json(row))


@bp.get("/calls/<call_sid>")
@token_required
def get_call(call_sid: str):
    """Return one call record."""
    svc = services()
    if not CALL_SID.fullmatch(call_sid):
        abort(404, "no such call")
    with svc.engine.begin() as conn:
        row = calls.get(conn, call_sid)
        if row is None:
            abort(404, "no such call")
        audit.write(conn, g.actor, "api.calls.get", f"call:{row['id']}", svc.clock())
    data = calls.as_json(row)
    # who took a queued call: a keyed pseudonym, stable per person, never the account itself (docs/queue.md)
    taker = row.get("answered_by")
    data["answered_by"] = svc.cipher.pseudonym(f"user:{taker}") if taker is not None else None
    return jsonify(data)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@bp.get("/desks")
@token_required
def list_desks():
    """Every desk with whether it is open now, when it opens next and its closure."""
    svc = services()
    now = svc.clock()
    try:  # from the database: right after a change through any process, every process answers the same
        snapshot = closures.read(svc.engine).active(now)
    except SQLAlchemyError:
        snapshot = svc.closures.get(now)
    with svc.engine.connect() as conn:  # the live page's figures, counts only
        live = {figure.desk: figure for figure in figures.live(conn, now, svc.tz, list(svc.settings.desks))}
    desks = []
    for desk_id, desk in svc.settings.desks.items():
        status = desk_status(svc.schedules, snapshot, desk_id, now)
        closure = status.closure
        queue = figures.live_json(live[desk_id])
        desks.append({
            "id": desk_id, "name": desk.name.get("de") or desk_id, "open_now": status.open,
            "reason": status.reason, "next_open": _iso(status.next_open),
            "closure": None if closure is None else {"until": _iso(closure.until), "reason": closure.reason,
                                                     "message": dict(closure.message)},
            "connect": desk.connect, "waiting": queue["waiting"], "longest_wait_s": queue["longest_wait_s"],
            "agents": queue["agents"], "queue": queue,
        })
    return jsonify(desks=desks)


@bp.put("/agents/<username>/status")
@token_required
def set_agent_status(username: str):
    """Set a person's status: {"status": "available" | "paused" | "signed_out"} (scope agents:write)."""
    body = inputs.json_body(StatusBody)
    if body.status not in staffstatus.SETTABLE:
        abort(400, str(staffstatus.unknown(body.status)))
    svc = services()
    try:
        with svc.engine.connect() as conn:
            user_id = users.user_id(conn, username[:64])
    except users.UserError:
        abort(404, "no such user")
    try:
        changed = staffstatus.change(svc, user_id, body.status, g.actor)
    except staffstatus.StatusRefused as exc:
        abort(exc.code, str(exc))
    mine = staffstatus.own(svc, user_id)
    return jsonify(username=username, status=mine.status, since=_iso(mine.since), reason=mine.reason,
                   changed=changed)


def _set(desk: str, kind: str, value: str | None = None):
    body = _json_body(OverflowBody if kind == "overflow" else ClosureBody)
    svc = services()
    now = svc.clock()
    try:  # the rules `ivr closure set` follows too
        checked = closures.entry(body.get("until"), body.get("reason", ""), body.get("message"),
                                 svc.settings.config.languages, now)
    except closures.ClosureError as exc:
        abort(400, str(exc))
    entry = closures.record(svc.engine, desk, kind, checked, g.actor, now, value)
    svc.closures.changed()  # every web process reads it before this answer
    return jsonify(id=entry, desk=desk, kind=kind, until=checked.until.isoformat()), 201


def _end(desk: str, kind: str):
    svc = services()
    now = svc.clock()
    ended = closures.end(svc.engine, desk, kind, g.actor, now)
    svc.closures.changed()  # every web process reads it before this answer
    return jsonify(ended=ended), 200


@bp.post("/desks/<desk>/closure")
@token_required
def close_desk(desk: str):
    """Close a desk (or "*" for the house) until a time, with a reason and announcements."""
    return _set(_desk_or_404(desk), "closure")


@bp.delete("/desks/<desk>/closure")
@token_required
def reopen_desk(desk: str):
    """End a desk's closure."""
    return _end(_desk_or_404(desk), "closure")


@bp.post("/announcement")
@token_required
def set_announcement():
    """Set the house-wide emergency announcement (every language, with an end time)."""
    return _set(closures.HOUSE, "announcement")


@bp.delete("/announcement")
@token_required
def end_announcement():
    """End the emergency announcement."""
    return _end(closures.HOUSE, "announcement")


@bp.post("/overflow")
@token_required
def set_overflow():
    """Set the overflow number used while every desk is closed unexpectedly: {"number", "until"}."""
    try:
        number = closures.overflow_number(inputs.json_body(OverflowBody).number)
    except closures.ClosureError as exc:
        abort(400, str(exc))
    return _set(closures.HOUSE, "overflow", number)


@bp.delete("/overflow")
@token_required
def end_overflow():
    """Remove the overflow number."""
    return _end(closures.HOUSE, "overflow")
