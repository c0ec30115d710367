"""The supervisors' dashboard in Chromium: charts render from the server alone, the CSV downloads."""

from __future__ import annotations

import pytest

from tests.support.clock import berlin
from tests.support.seeded import CALLS
from tests.support.seeded import _insert_call

pytestmark = pytest.mark.browser


@pytest.fixture
def calls_seeded(accounts):
    from ivr.store.db import calls

    with accounts.engine.begin() as conn:
        conn.execute(calls.delete())
        number = 10_000
        for local, desk, outcome, language, count in CALLS:
            for _ in range(count):
                number += 1
                _insert_call(conn, number, berlin(local), desk, outcome, language)
    return accounts


def test_dashboard_draws_charts_without_other_hosts(login, calls_seeded):
    page = login("vera")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(calls_seeded.base + "/dashboard/")
    assert page.get_by_role("heading", name="Kennzahlen der Hotline").is_visible()
    charts = page.locator("svg[role=img]")
    assert charts.count() == 4  # no callback decided yet: the service level says so instead of an empty chart
    assert page.get_by_text("In den letzten fünf Wochen ist noch kein Rückruf entschieden").is_visible()
    for i in range(4):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 20
    assert page.locator("svg title", has_text="Ausländerbehörde, 24.11.: 3").count() == 1
    assert all(url.startswith(calls_seeded.base) for url in requested), requested
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV herunterladen").click()
    assert download.value.suggested_filename == "hotline-2026-11.csv"
    lines = open(download.value.path(), encoding="utf-8-sig", newline="").read().split("\r\n")
    assert lines[0].startswith("Datum;Wochentag;Anrufe gesamt;Anrufe: Ausländerbehörde;")
    assert lines[24].startswith("24.11.2026;Di;5;3;") and "4917" not in "".join(lines)


def test_staff_cannot_open_it(login, accounts):
    page = login("anna")
    response = page.goto(accounts.base + "/dashboard/")
    assert response.status == 403
