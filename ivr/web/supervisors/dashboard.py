"""Supervisors' dashboard: charts of the last 30 days, callbacks, service level, CSV export."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import Response
from flask import abort
from flask import render_template
from pydantic import Field

from ivr.core import csvcells
from ivr.core.roles import SUPERVISING_ROLES
from ivr.hotline import figures
from ivr.hotline.figures import Period
from ivr.web import inputs
from ivr.web.auth import login_required
from ivr.web.i18n import translate
from ivr.web.i18n import ui_lang
from ivr.web.services import services
from ivr.web.supervisors import charts

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OUTCOMES = ("transferred", "callback_requested", "abandoned", "error", "open")
"""Call outcomes the figures count; each has an interface text co_<outcome>."""
CSV_COLUMNS = ("figure", "period", "desk", "key", "value")
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
SERVICE_WEEKS = 5
"""ISO weeks shown in the service-level table (the current one and four before)."""


class ExportQuery(inputs.Form):
    """GET /dashboard/export.csv?month=YYYY-MM (one month; a second one would be ignored silently)."""

    month: inputs.Text = Field("", max_length=7)


def _desk_names() -> dict[str, str]:
    lang = ui_lang()
    names = {desk_id: desk.name.get(lang) or desk.name.get("de") or desk_id
             for desk_id, desk in services().settings.desks.items()}
    names[figures.NO_DESK] = translate("d_no_desk")
    return names


def _language_names() -> dict[str, str]:
    names = {lang_id: lang.name for lang_id, lang in services().settings.config.languages.items()}
    names[figures.NO_DESK] = translate("d_no_language")
    return names


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
    desks, langs = _desk_names(), _language_names()
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
    return render_template(
        "dashboard/index.html", period=period, total=sum(per_day.values()), desks=desks,
        calls_chart=charts.stacked_columns(translate("d_calls_per_day"), [d.strftime("%d.%m.") for d in days],
                                           series, names=desks),
        outcome_chart=charts.bars(translate("d_outcome_chart"),
                                  [(translate(f"co_{k}") if k in OUTCOMES else k, v) for k, v in outcomes.items()]),
        language_chart=charts.bars(translate("d_languages"), [(langs.get(k, k), v) for k, v in languages.items()]),
        heat_chart=charts.heatmap(translate("d_heat_chart"), [translate(f"wd_{d}") for d in WEEKDAYS],
                                  [f"{h:02d}" for h in hours],
                                  {(day, hours.index(hour)): n for (day, hour), n in heat.items()}),
        open_tasks=sorted(open_tasks.items()), week_names=week_names, table=table,
        level_desks=sorted({level.desk for level in levels}),
        level_chart=charts.bars(translate("d_level_chart"),
                                [(desks.get(d, d), round(100 * ok / n))
                                 for d, (n, ok) in sorted(totals.items()) if n], unit=" %", maximum=100),
        today=today,
    )


@bp.get("/export.csv")
@login_required(roles=SUPERVISING_ROLES)
def export():
    """One month of figures as CSV (figure, period, desk, key, value); no personal data."""
    month = inputs.query(ExportQuery).month
    if not MONTH.fullmatch(month):  # int() would take " 2026", "+2026" or "２０２６"; the name goes into a header
        abort(400, "month=YYYY-MM")
    try:
        period = Period.month(int(month[:4]), int(month[5:]))
    except ValueError:
        abort(400, "month=YYYY-MM")
    svc = services()
    with svc.engine.connect() as conn:
        rows = figures.month_rows(conn, period, svc.clock())
    out = io.StringIO()
    writer = csvcells.writer(out, lineterminator="\n")  # stored values (desk, language, outcome) stay inert
    writer.writerow([translate(f"csv_{column}") for column in CSV_COLUMNS])
    writer.writerows(rows)
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="hotline-{month}.csv"'})
