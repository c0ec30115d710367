"""The supervisors' live page of the queue desks: callers waiting by language, people by state, today's service
level; the page asks its JSON again every few seconds. Counts only: no names, no numbers."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import render_template

from ivr.core import languages as language_names
from ivr.core.roles import SUPERVISING_ROLES
from ivr.hotline import figures
from ivr.web.auth import login_required
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services

bp = Blueprint("live", __name__, url_prefix="/live")
POLL_SECONDS = 5
"""How often the page asks for fresh figures (the issue's limit: at most every 5 s)."""


def clock_text(seconds: int) -> str:
    """A wait as m:ss (h:mm:ss from an hour on)."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def language(code: str, lang: str) -> str:
    """A caller's language as staff say it ("Arabisch"), else config.yaml's own name ("العربية"), else the code."""
    named = language_names.language_name(code, lang)  # the whisper's names (ivr/core/languages.py)
    if named != code:
        return named
    known = services().settings.config.languages
    return known[code].name if code in known else code


def queue_desks() -> list[str]:
    """The desks whose callers wait in a live queue, in config order."""
    return [desk_id for desk_id, desk in services().settings.desks.items() if desk.connect == "queue"]


def snapshot() -> dict:
    """Every queue desk's live figures as the page shows them (the JSON and the first rendering alike)."""
    svc = services()
    now = svc.clock()
    lang = ui_lang()
    with svc.engine.connect() as conn:
        live = figures.live(conn, now, svc.tz, queue_desks())
    desks = []
    for figure in live:
        desk = svc.settings.desks[figure.desk]
        level = figure.service_level
        body = figures.live_json(figure)
        body.update(
            id=figure.desk, name=desk.name.get(lang) or desk.name.get("de") or figure.desk,
            longest_wait=clock_text(figure.longest_wait_s),
            waiting_by_language=[{"language": code, "name": language(code, lang), "count": n}
                                 for code, n in figure.waiting.items()],
            service_level_text="–" if level is None else f"{round(100 * level)} %",
            service_level_detail=translate("live_level_detail", within=figure.within, decided=figure.decided,
                                           seconds=figures.SERVICE_SECONDS),
        )
        desks.append(body)
    return {"at": now.astimezone(svc.tz).strftime("%H:%M:%S"), "poll": POLL_SECONDS, "desks": desks}


@bp.get("/")
@login_required(roles=SUPERVISING_ROLES)
def page():
    """The live page, drawn with the figures of now (it works without script; the script keeps it fresh)."""
    return render_template("live/index.html", live=snapshot(), service_seconds=figures.SERVICE_SECONDS,
                           short_seconds=figures.SHORT_ABANDON_SECONDS)


@bp.get("/data.json")
@login_required(roles=SUPERVISING_ROLES)
def data():
    """The figures of now for the page's polling."""
    return jsonify(snapshot())
