"""The dashboard's monthly CSV as a spreadsheet program opens it: one row per day, one column per figure, `;` between
cells, a UTF-8 byte order mark and CRLF (Excel in German settings reads it as columns), headers in the interface
language, and a sum row. Aggregates only: counts per desk, result, language and the callbacks' service level."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date

from babel.dates import format_date

from ivr.core import csvcells
from ivr.hotline import figures
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang

MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
OUTCOMES = (*figures.OUTCOMES, "open")
"""Call results as columns; each has an interface text co_<outcome>."""
CALLBACK_FIGURES = ("callbacks", "decided", "within")
"""Callback columns, summed over the desks; each has an interface text dx_<figure>."""


def _day(day: date) -> str:
    """The date as the interface language's spreadsheet reads it: 24.11.2026 / 2026-11-24."""
    return format_date(day, "dd.MM.yyyy", locale="de") if ui_lang() == "de" else day.isoformat()


def columns(desks: dict[str, str], languages: dict[str, str],
            seen: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, list[str]]]:
    """(header, keys summed into the column) in order: calls per desk, per result, per language, then callbacks.
    Every configured desk and language has its column, every month alike; a stored value that config does not know
    (a removed desk) gets one of its own, named as stored."""
    desks, languages = dict(desks), dict(languages)
    outcomes = {key: translate(f"co_{key}") for key in OUTCOMES}
    named = {"desk": desks, "callbacks": desks, "language": languages, "outcome": outcomes}
    for key in sorted(seen):
        kind, _, value = key.partition(":")
        if kind in named:
            named[kind].setdefault(value, value)
    found = [(translate("dx_calls"), ["*calls"])]
    found += [(translate("dx_calls_at", desk=name), [f"desk:{desk}"]) for desk, name in desks.items()]
    found += [(translate("dx_outcome", outcome=name), [f"outcome:{key}"]) for key, name in outcomes.items()]
    found += [(translate("dx_language", language=name), [f"language:{code}"]) for code, name in languages.items()]
    found += [(translate(f"dx_{key}"), [f"{key}:{desk}" for desk in desks]) for key in CALLBACK_FIGURES]
    return found


def _cells(counts: dict[str, int], wanted: list[tuple[str, list[str]]], number: Callable[[float], str]) -> list:
    calls = sum(n for key, n in counts.items() if key.startswith("desk:"))
    cells: list = [calls if keys == ["*calls"] else sum(counts.get(key, 0) for key in keys) for _, keys in wanted]
    decided, within = cells[-2], cells[-1]
    return [*cells, number(round(100 * within / decided, 1)) if decided else ""]


def month_text(days: dict[date, dict[str, int]], desks: dict[str, str], languages: dict[str, str],
               number: Callable[[float], str]) -> str:
    """The CSV text of a month's `figures.per_day` (BOM, `;`, CRLF), a sum row last."""
    wanted = columns(desks, languages, {key for counts in days.values() for key in counts})
    out = io.StringIO()
    writer = csvcells.writer(out, delimiter=";", lineterminator="\r\n")  # a desk's name never runs as a formula
    writer.writerow([translate("dx_date"), translate("dx_weekday"), *(header for header, _ in wanted),
                     translate("dx_share")])
    total: dict[str, int] = {}
    for day in sorted(days):
        counts = days[day]
        for key, n in counts.items():
            total[key] = total.get(key, 0) + n
        weekday = translate(f"wd_{('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')[day.weekday()]}")
        writer.writerow([_day(day), weekday, *_cells(counts, wanted, number)])
    writer.writerow([translate("dx_total"), "", *_cells(total, wanted, number)])
    return "\ufeff" + out.getvalue()
