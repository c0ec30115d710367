"""The desk list's rows: what each task needs on the list (time left, next attempt, window), the choices with their
counts, and the CSV export in the interface language."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from babel import Locale

from ivr.core import csvcells
from ivr.hotline import attempts
from ivr.hotline import promises
from ivr.hotline import recordings
from ivr.hotline import worklist
from ivr.hotline.users import User
from ivr.web.filters import local
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services

CSV_COLUMNS = ("id", "desk", "phone", "language", "received", "due", "window", "promised_by", "attempts",
               "next_attempt", "voice_message", "claimed_by")
"""Columns of a desk's export; each has an interface text csv_<column>."""


def add_window(row: dict, now: datetime) -> None:
    """Add the task's window to a row: id, key (its order), name, whether now suits the caller, when next."""
    svc = services()
    config = svc.settings.desks.get(row["desk"])
    found = promises.windows(config)
    window_id = row.get("window") if row.get("window") in found else promises.ANY  # unknown or old: any time
    digit, ranges = found[window_id]
    own = config.windows.get(window_id) if config is not None else None
    row["window_id"], row["window_digit"] = window_id, digit
    row["window_name"] = (own.name.get(ui_lang()) or own.name.get("de") or window_id) if own is not None \
        else translate(f"window_{window_id}")
    schedule = svc.schedules.get(row["desk"])
    row["window_now"] = ranges is None or schedule is None or promises.in_window(schedule, ranges, now)
    row["window_next"] = None if row["window_now"] else promises.next_in_window(schedule, ranges, now)


def prepare(rows: list[dict[str, Any]], desk: str, now: datetime) -> None:
    """Add to each row what the list shows: service hours left, when the next attempt may start (None: now, and
    then the row is `ready`), and its window."""
    svc = services()
    schedule = svc.schedules[desk]
    for row in rows:
        row["hours_left"] = worklist.remaining_service_hours(schedule, now, row["due_at"])
        row["next_from"] = attempts.next_from(  # the spacing after the last attempt, then the caller's window
            schedule, attempts.window_ranges(svc.settings.desks.get(desk), row.get("window")), row, now)
        row["ready"] = row["next_from"] is None
        row["voice_state"] = recordings.state(svc.settings, row)  # the list says what the task page will show
        add_window(row, now)


def choose(rows: list[dict[str, Any]], show: str, sort: str, user: User) -> tuple[list[dict[str, Any]], dict]:
    """The rows of one choice in one order, and how many rows each choice has."""
    counts = {choice: sum(worklist.shown(row, choice, user) for row in rows) for choice in worklist.SHOWS}
    return worklist.arranged([row for row in rows if worklist.shown(row, show, user)], sort), counts


def _language(code: str) -> str:
    """A language's name in the interface language (Babel's), else the hotline's own name, else the code."""
    named = Locale(ui_lang()).languages.get(code)
    if named:
        return named
    configured = services().settings.config.languages.get(code)
    return configured.name if configured else code


def _at(value: datetime | None) -> str:
    """An instant in the export: `02.12.2026 16:00` in German, `2026-12-02 16:00` in English; empty when none."""
    return local(value, "%d.%m.%Y %H:%M" if ui_lang() == "de" else "%Y-%m-%d %H:%M") if value else ""


def csv_text(rows: list[dict[str, Any]]) -> str:
    """The export: `;`-separated, CRLF, a UTF-8 BOM, headers and values in the interface language (Excel opens it
    in columns); a cell that would start a formula gets a leading quote (ivr/core/csvcells.py)."""
    desks = services().settings.desks
    out = io.StringIO()
    writer = csvcells.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([translate(f"csv_{column}") for column in CSV_COLUMNS])
    yes, no = translate("csv_yes"), translate("csv_no")
    for row in rows:
        desk = desks.get(row["desk"])
        writer.writerow([
            row["id"], (desk.name.get(ui_lang()) or desk.name.get("de")) if desk else row["desk"], row["phone"] or "",
            _language(row["language"]), _at(row["created_at"]), _at(row["due_at"]), row["window_name"],
            row["promised_by"].strftime("%d.%m.%Y" if ui_lang() == "de" else "%Y-%m-%d") if row["promised_by"] else "",
            row["attempts"], _at(row["next_attempt_at"]),
            yes if row["recording_url"] or row["recording_path"] else no, row["holder"] or ""])
    return "\ufeff" + out.getvalue()
