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
    assert html.count('role="img"') == 5
    assert "Ausländerbehörde, 24.11.: 3</title>" in html
    assert "Di 10: 5</title>" in html
    assert "33 % <span class=\"small\">(1/3)</span>" in html  # info, week 47
    assert ">KW 47</th>" in html
    assert "<style" not in html
    assert "4917" not in html  # no phone number anywhere
    assert "<script" not in html and "https://" not in html  # works without any CDN


def test_supervisor_sees_it_in_english(login, seeded):
    html = login("supervisor").get("/dashboard/?lang=en").get_data(as_text=True)
    assert "Hotline figures" in html and ">Week 47</th>" in html
    assert "Immigration office, 24 Nov: 3</title>" in html and "Tue 10: 5</title>" in html
    assert '<ul class="chart-legend">' in html and "Arabic" in html  # legend and languages in English
    assert "Kennzahlen" not in html and "Ausländerbehörde" not in html


HEADER_DE = ("Datum;Wochentag;Anrufe gesamt;Anrufe: Ausländerbehörde;Anrufe: Wirtschaftliche Hilfen (AsylbLG);"
             "Anrufe: Kommunales Integrationszentrum;Anrufe: zebera (Jobcenter);"
             "Anrufe: Integration Point (Agentur für Arbeit);Anrufe: Beratung für Helfende und Arbeitgeber;"
             "Anrufe: Allgemeine Information;Anrufe: vor Wahl der Stelle beendet;Ergebnis: vermittelt;"
             "Ergebnis: Rückruf gewünscht;Ergebnis: aufgelegt;Ergebnis: technischer Fehler;Ergebnis: läuft / offen;"
             "Sprache: Deutsch;Sprache: Arabisch;Sprache: Ukrainisch;Sprache: Türkisch;Sprache: Persisch;"
             "Sprache: Kurdisch (Kurmandschi);Sprache: Englisch;Sprache: Russisch;Sprache: keine Sprache gewählt;"
             "Rückrufe angefragt;Rückrufe entschieden;davon in der Frist;in der Frist (%)")


def test_monthly_csv_export_is_wide_and_for_excel(login, seeded):
    """One row per day, `;`, BOM, CRLF, headers in German; a sum row; no personal data."""
    response = login("admin").get("/dashboard/export.csv?month=2026-11")
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and body.count(b"\r\n") == 1 + 30 + 1
    assert b"\n" not in body.replace(b"\r\n", b"")
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[0] == HEADER_DE
    # Tue 24 Nov: 3 Ausländerbehörde + 1 info + 1 running; 3 transferred, 1 callback, 1 open; 4 de, 1 ar; one task
    assert lines[24] == "24.11.2026;Di;5;3;0;0;0;0;0;1;1;3;1;0;0;1;4;1;0;0;0;0;0;0;0;1;0;0;"
    assert lines[16] == "16.11.2026;Mo;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;0;2;2;1;50"
    assert lines[31] == "Summe;;9;3;0;0;2;0;0;2;2;3;1;3;1;1;5;1;0;2;0;0;0;0;1;5;4;2;50"
    assert lines[32] == "" and "4917" not in body.decode()


def test_monthly_csv_export_in_english(login, seeded):
    response = login("admin").get("/dashboard/export.csv?month=2026-11&lang=en")
    lines = response.get_data().decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Date;Weekday;Calls, total;Calls: Immigration office;Calls: Benefits for asylum seekers")
    assert lines[0].endswith(";Outcome: hung up;Outcome: technical error;Outcome: in progress / open;Language: German;"
                             "Language: Arabic;Language: Ukrainian;Language: Turkish;Language: Persian;"
                             "Language: Kurdish (Kurmanji);Language: English;Language: Russian;"
                             "Language: no language chosen;Callbacks requested;Callbacks decided;"
                             "of them within the promise;within the promise (%)")
    assert lines[24] == "2026-11-24;Tue;5;3;0;0;0;0;0;1;1;3;1;0;0;1;4;1;0;0;0;0;0;0;0;1;0;0;"
    assert lines[31] == "Total;;9;3;0;0;2;0;0;2;2;3;1;3;1;1;5;1;0;2;0;0;0;0;1;5;4;2;50"


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
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert "Anrufe: @SUM(A1)" in rows[0] and "Ergebnis: -1+cmd" in rows[0] and "Sprache: =1+1" in rows[0]
    day = dict(zip(rows[0], rows[24], strict=True))
    assert day["Anrufe: @SUM(A1)"] == "1" and day["Ergebnis: -1+cmd"] == "1" and day["Sprache: =1+1"] == "1"
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row)
