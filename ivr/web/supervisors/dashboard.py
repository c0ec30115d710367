"""Supervisors' dashboard: charts of the last 30 days, callbacks, service level, CSV export."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import Blueprint
from flask import Response
from flask import abort
from flask import render_template
from pydantic import Field

from ivr.core.languages import language_name
from ivr.core.roles import SUPERVISING_ROLES
from ivr.hotline import figures
from ivr.hotline.figures import Period
from ivr.web import inputs
from ivr.web.auth import login_required
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services
from ivr.web.supervisors import charts
from ivr.web.supervisors import export as csv_export

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OUTCOMES = ("transferred", "callback_requested", "abandoned", "error", "open")
"""Call outcomes the figures count; each has an interface text co_<outcome>."""
SERVICE_WEEKS = 5
"""ISO weeks shown in the service-level table (the current one and four before)."""


class ExportQuery(inputs.Form):
    """GET /dashboard/export.csv?month=YYYY-MM (one month; a second one would be ignored silently)."""

    month: inputs.Text = Field("", max_length=7)


def desk_names() -> dict[str, str]:
    """Every configured desk's name in the interface language, in config order, and the calls that reached none."""
    lang = ui_lang()
    names = {desk_id: desk.name.get(lang) or desk.name.get("de") or desk_id
             for desk_id, desk in services().settings.desks.items()}
    names[figures.NO_DESK] = translate("d_no_desk")
    return names


def language_names() -> dict[str, str]:
    """The menu languages as staff say them in the interface language ("Arabisch"), and "no language chosen"."""
    names = {code: language_name(code, ui_lang()) for code in services().settings.config.languages}
    names[figures.NO_DESK] = translate("d_no_language")
    return names


def number(value: float) -> str:
    """A number in the interface language's digits (1.234,5 / 1,234.5)."""
    return format_decimal(value, locale=ui_lang())


def day_label(day: date) -> str:
    """A day on the chart's axis: 24.11. in German, 24 Nov in English."""
    return format_date(day, "dd.MM." if ui_lang() == "de" else "d MMM", locale=ui_lang())


def week_label(week: str) -> str:
    """An ISO week (2026-W47) as people say it: KW 47 / Week 47."""
    return translate("d_week", n=int(week.rsplit("W", 1)[-1]))


@bp.get("/")
@login_required(roles=SUPERVISING_ROLES)
def index():
    """The dashboard page: every figure from one SQL aggregate each, drawn as SVG."""
    svc = services()
    now = svc.clock()
    today = now.astimezone(ZoneInfo(svc.settings.config.hotline.timezone)).date()
    period = Period.last_days(today, 30)
    weeks = Period(today - timedelta(days=today.weekday() + 7 * (SERVICE_WEEKS - 1)), today)
    with svc.engine.connect() as conn:
        per_day = figures.calls_per_day(conn, period)
        outcomes = figures.outcome_mix(conn, period)
        languages = figures.language_mix(conn, period)
        heat = figures.weekday_hour(conn, period)
        open_tasks = figures.open_callbacks(conn, now)
        levels = figures.service_level(conn, weeks, now)
    desks, langs = desk_names(), language_names()
    days = period.days()
    desk_ids = sorted({desk for _, desk in per_day}, key=lambda d: list(desks).index(d) if d in desks else 99)
    series = {desk: [per_day.get((day, desk), 0) for day in days] for desk in desk_ids}
    hours = sorted({hour for _, hour in heat} | set(range(7, 19)))
    week_names = sorted({level.week for level in levels})
    table = {(level.desk, level.week): level for level in levels}
    totals: dict[str, list[int]] = {}  # desk -> [decided, within] over the shown weeks
    for level in levels:
        sums = totals.setdefault(level.desk, [0, 0])
        sums[0] += level.decided
        sums[1] += level.within
    ordered = sorted(totals, key=lambda d: list(desks).index(d) if d in desks else 99)
    return render_template(
        "dashboard/index.html", period=period, total=sum(per_day.values()), desks=desks,
        calls_chart=charts.stacked_columns(translate("d_calls_per_day"), [day_label(d) for d in days], series,
                                           names=desks, unit=translate("d_axis_calls"), number=number),
        calls_legend=charts.legend([desks.get(desk, desk) for desk in series]),
        outcome_chart=charts.bars(translate("d_outcome_chart"),
                                  [(translate(f"co_{k}") if k in OUTCOMES else k, v) for k, v in outcomes.items()],
                                  number=number),
        language_chart=charts.bars(translate("d_languages"), [(langs.get(k, k), v) for k, v in languages.items()],
                                   number=number),
        heat_chart=charts.heatmap(translate("d_heat_chart"), [translate(f"wd_{d}") for d in WEEKDAYS],
                                  [f"{h:02d}" for h in hours],
                                  {(day, hours.index(hour)): n for (day, hour), n in heat.items()}, number=number),
        open_tasks=sorted(open_tasks.items(), key=lambda item: list(desks).index(item[0])
                          if item[0] in desks else 99),
        week_names=week_names, week_label=week_label, table=table, level_desks=ordered,
        level_chart=charts.bars(translate("d_level_chart"),
                                [(desks.get(d, d), round(100 * totals[d][1] / totals[d][0]))
                                 for d in ordered if totals[d][0]], unit=" %", maximum=100, number=number)
        if any(decided for decided, _ in totals.values()) else None,
        today=today,
    )


@bp.get("/export.csv")
@login_required(roles=SUPERVISING_ROLES)
def export():
    """One month of figures as CSV, one row per day (csv_export.month_text); no personal data."""
    month = inputs.query(ExportQuery).month
    if not csv_export.MONTH.fullmatch(month):  # int() would take " 2026" or "２０２６"; the name goes into a header
        abort(400, "month=YYYY-MM")
    try:
        period = Period.month(int(month[:4]), int(month[5:]))
    except ValueError:
        abort(400, "month=YYYY-MM")
    svc = services()
    with svc.engine.connect() as conn:
        days = figures.per_day(conn, period, svc.clock())
    text = csv_export.month_text(days, desk_names(), language_names(), number)
    return Response(text, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="hotline-{month}.csv"'})
