"""The supervisors' dashboard: login and role, charts of the seeded figures, CSV without personal data."""

from __future__ import annotations

import csv
import io


def test_anonymous_is_sent_to_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_may_not_see_it(login):
    assert login("staff").get("/dashboard/").status_code == 403
    assert login("operator").get("/dashboard/export.csv?month=2026-11").status_code == 403


def test_supervisor_sees_charts_and_tables(login, seeded):
    page = login("supervisor").get("/dashboard/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kennzahlen der Hotline" in html
    assert "9 Anrufe" in html  # the seeded calls of the last 30 days
    assert html.count("<svg") == 5
    assert "Ausländerbehörde, 24.11.: 3</title>" in html
    assert "Di 10: 5</title>" in html
    assert "33 % <span class=\"muted\">(1/3)</span>" in html  # info, week 47
    assert "4917" not in html  # no phone number anywhere
    assert "<script" not in html and "https://" not in html  # works without any CDN


def test_monthly_csv_export(login, seeded):
    response = login("admin").get("/dashboard/export.csv?month=2026-11&lang=en")  # headers in the interface language
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["figure", "period", "desk", "key", "value"]
    assert ["outcome", "2026-11", "", "abandoned", "3"] in rows
    assert ["service_level", "2026-W47", "zebera", "share", "1.000"] in rows
    assert "4917" not in response.get_data(as_text=True)


def test_csv_export_needs_a_month(login):
    client = login("supervisor")
    assert client.get("/dashboard/export.csv?month=2026-13").status_code == 400
    assert client.get("/dashboard/export.csv").status_code == 400


def test_csv_export_quotes_stored_values_that_would_be_formulas(login, engine):
    """Desk and language come from the database; whatever got there, the export hands no formula to a spreadsheet."""
    from datetime import datetime

    from ivr.store.db import calls
    from tests.support.clock import BERLIN

    started = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    with engine.begin() as conn:
        conn.execute(calls.insert().values(
            call_sid="CA" + "e" * 32, caller="+4917612345678", caller_hash="h" * 64, language="=1+1", path="[]",
            desk="@SUM(A1)", outcome="-1+cmd", status="completed", status_rank=9, started_at=started,
            local_date=started.date(), local_weekday=started.weekday(), local_hour=started.hour,
            created_at=started, updated_at=started))
    response = login("supervisor").get("/dashboard/export.csv?month=2026-11")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert ["calls_per_day", "2026-11-24", "'@SUM(A1)", "calls", "1"] in rows
    assert ["outcome", "2026-11", "", "'-1+cmd", "1"] in rows and ["language", "2026-11", "", "'=1+1", "1"] in rows
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row)
