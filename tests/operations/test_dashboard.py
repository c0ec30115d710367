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
    response = login("admin").get("/dashboard/export.csv?month=2026-11")
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
