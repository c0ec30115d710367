"""The operators' notices: closures of a desk or the house, the house-wide announcement and the overflow number,
set and ended in the browser by the rules and with the audit of the API (`ivr.hotline.closures`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from ivr.core.roles import OPERATING_ROLES
from ivr.engine.model import Bundle
from ivr.engine.model import Play
from ivr.engine.model import Utterance
from ivr.engine.prompts import say_text
from ivr.engine.prompts import speak
from ivr.hotline import closures
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.filters import phone
from ivr.web.filters import when
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.operators.blueprint import bp
from ivr.web.services import services

KINDS = ("closure", "announcement", "overflow")
LEADS = {"announcement": ("emergency",), "closure": ()}
"""What a caller hears before the operator's text: the announcement node says "emergency" first."""
STAND_INS = {"announcement": "closed_all", "closure": "closed_today"}
"""The built-in prompt a caller hears instead of the text: in a recorded language, or when no text is given."""


@dataclass(frozen=True)
class Language:
    """A caller language as the page offers it."""

    id: str
    name: str
    voice: str  # the Twilio voice that speaks a text; empty: recorded language, the text is not spoken
    stand_in: dict[str, str]  # kind -> the recorded prompt's text callers hear instead


@dataclass(frozen=True)
class InForce:
    """One entry in force, as the page lists it."""

    kind: str
    desk: str
    what: str
    until: datetime
    detail: str
    messages: tuple[tuple[str, str], ...] = ()


def _desk_name(desk: str) -> str:
    if desk == closures.HOUSE:
        return translate("nt_house")
    names = services().settings.desks[desk].name
    return names.get(ui_lang()) or names.get("de") or desk


def _languages(bundle: Bundle) -> list[Language]:
    out = []
    for lid in services().settings.config.languages:
        info = bundle.languages.get(lid)
        if info is None:
            continue
        stand_in = {kind: bundle.prompts.get(prompt, {}).get(lid, "") for kind, prompt in STAND_INS.items()}
        out.append(Language(lid, info.name, "" if info.audio else (info.voice or ""), stand_in))
    return out


def _in_force(now: datetime) -> list[InForce]:
    """What is in force now, read from the database (not a process's cache)."""
    snapshot = closures.read(services().engine).active(now)
    rows = [InForce("closure", desk, translate("nt_closed", desk=_desk_name(desk)), c.until, c.reason, c.message)
            for desk, c in sorted(snapshot.desks.items(), key=lambda item: (item[0] != closures.HOUSE,
                                                                           _desk_name(item[0])))]
    if snapshot.announcement is not None:
        rows.append(InForce("announcement", closures.HOUSE, translate("nt_announcement"), snapshot.announcement.until,
                            "", snapshot.announcement.message))
    if snapshot.overflow is not None:
        number, until = snapshot.overflow
        rows.append(InForce("overflow", closures.HOUSE, translate("nt_overflow"), until, phone(number)))
    return rows


def _page(status: int = 200, error: str | None = None, form: str | None = None):
    svc = services()
    now = svc.clock()
    bundle = svc.store.current
    desks = sorted(((d, _desk_name(d)) for d in svc.settings.desks), key=lambda pair: pair[1].lower())
    today = now.astimezone(svc.tz).date().isoformat()
    return render_template("operators/notices.html", rows=_in_force(now), desks=desks, house=closures.HOUSE,
                           languages=_languages(bundle), today=today, error=error, form=form,
                           values=request.form if error else {}, tz=svc.tz.key), status


@bp.get("/notices")
@login_required(roles=OPERATING_ROLES)
def notices():
    """What is in force, and the forms to set a closure, the announcement and the overflow number."""
    return _page()


def _messages() -> dict[str, str]:
    return {lid: text for lid in services().settings.config.languages
            if (text := request.form.get(f"message_{lid}", "").strip())}


def _store(kind: str, desk: str, value: str | None = None) -> closures.Entry:
    """Check the form by the API's rules, store the entry, audit it and tell every web process."""
    svc = services()
    now = svc.clock()
    when_text = f"{request.form.get('date', '').strip()} {request.form.get('time', '').strip()}".strip()
    closures.check_desk(desk, svc.settings.desks)
    checked = closures.entry(when_text, request.form.get("reason", ""), _messages(), svc.settings.config.languages,
                             now, svc.tz)
    actor = current_user().username
    closures.record(svc.engine, desk, kind, checked, actor, now, value)
    svc.closures.changed()  # every web process reads it before this answer
    return checked


@bp.post("/notices/<kind>")
@login_required(roles=OPERATING_ROLES)
def set_notice(kind: str):
    """Set a closure (desk or house), the announcement or the overflow number from its form."""
    if kind not in KINDS:
        return _page(404, translate("nt_err_kind"))
    try:
        if kind == "closure":
            desk = request.form.get("desk", "")
            checked = _store(kind, desk)
            flash(translate("nt_saved_closure", desk=_desk_name(desk), until=when(checked.until)), "ok")
        elif kind == "announcement":
            checked = _store(kind, closures.HOUSE)
            flash(translate("nt_saved_announcement", until=when(checked.until)), "ok")
        else:
            number = closures.overflow_number(request.form.get("number", ""))
            checked = _store(kind, closures.HOUSE, number)
            flash(translate("nt_saved_overflow", number=phone(number), until=when(checked.until)), "ok")
    except closures.ClosureError as exc:
        return _page(400, translate(f"nt_err_{exc.rule}", tz=services().tz.key), kind)
    return redirect(url_for("operators.notices"))


@bp.post("/notices/end")
@login_required(roles=OPERATING_ROLES)
def end_notice():
    """End the entry in force of a kind (and desk); audited as the API's DELETE is."""
    svc = services()
    kind, desk = request.form.get("kind", ""), request.form.get("desk", closures.HOUSE)
    if kind not in KINDS or (desk != closures.HOUSE and desk not in svc.settings.desks):
        return _page(400, translate("nt_err_kind"))
    now = svc.clock()
    ended = closures.end(svc.engine, desk, kind, current_user().username, now)
    svc.closures.changed()
    what = translate("nt_closed", desk=_desk_name(desk)) if kind == "closure" else translate(f"nt_{kind}")
    flash(translate("nt_ended", what=what) if ended else translate("nt_ended_none", what=what), "ok")
    return redirect(url_for("operators.notices"))


def _item(bundle: Bundle, lang: str, said: Utterance, text: str) -> dict[str, Any]:
    if isinstance(said, Play):
        return {"text": text, "audio": said.url}
    return {"text": said.text, "voice": said.voice, "tts": said.language}


def hearing(bundle: Bundle, kind: str, lang: str, text: str) -> list[dict[str, Any]]:
    """What a caller in `lang` hears of a notice with `text`, as the engine's runtime speaks it: the lead-in
    prompt, then the text through the language's Twilio voice, or (recorded languages, no text) the stand-in."""
    items: list[dict[str, Any]] = []
    for prompt in LEADS[kind]:
        items += [_item(bundle, lang, u, bundle.prompts[prompt][lang]) for u in speak(bundle, prompt, lang)]
    if text and not bundle.languages[lang].audio:
        items += [_item(bundle, lang, u, text) for u in say_text(bundle, text, lang)]
    else:
        prompt = STAND_INS[kind]
        items += [_item(bundle, lang, u, bundle.prompts[prompt][lang]) for u in speak(bundle, prompt, lang)]
    return items


@bp.get("/notices/hear")
@login_required(roles=OPERATING_ROLES)
def hear():
    """?kind=announcement|closure&lang=de&text=...: the items a caller hears, for the page's "listen" button."""
    bundle = services().store.current
    kind, lang = request.args.get("kind", ""), request.args.get("lang", "")
    if kind not in LEADS or lang not in bundle.languages:
        return jsonify(error="kind and lang"), 400
    return jsonify(items=hearing(bundle, kind, lang, request.args.get("text", "").strip()[:closures.MESSAGE_CHARS]))
