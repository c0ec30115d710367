"""The supervisors' and admins' pages in Chromium, German and English: the dashboard (top bar, a legend whose long
desk names never overlap, the CSV for Excel), the background jobs (named in words, details behind a disclosure,
re-queue), the live page, the overview and the search (desk names, local dates); keyboard focus and axe-core at
1366x768 and at 200 %."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from rq import Queue
from rq.registry import FailedJobRegistry

from ivr.hotline import users
from ivr.store.db import callbacks
from ivr.store.db import calls
from tests.browser.conftest import PASSWORD
from tests.browser.pages import axe_violations
from tests.browser.pages import shoot
from tests.browser.pages import zoomed
from tests.support.clock import berlin
from tests.support.seeded import CALLS
from tests.support.seeded import _insert_call

pytestmark = pytest.mark.browser
LONG_NAMES = ("wirtschaftliche_hilfen", "integrationszentrum", "integration_point", "helpers", "zebera")
"""Desks with long names, side by side in the legend."""
RAW_IDS = ("wirtschaftliche_hilfen", "integrationszentrum", "integration_point", "helpers", "auslaenderbehoerde")
"""Desk ids as config.yaml has them, never shown (zebera is also the start of its name)."""
PAGES = ("/dashboard/", "/admin/jobs/", "/live/", "/staff/overview", "/staff/search?phone=0176+12345678")


@pytest.fixture(scope="module")
def seeded(accounts):
    """Calls at every desk, an open task at the integration point, an admin (adam) and a failed job."""
    import redis

    stack = accounts
    with stack.engine.begin() as conn:
        conn.execute(calls.delete())
        number = 20_000
        extra = [("2026-11-24 09:05", desk, "transferred", "de", 2) for desk in LONG_NAMES]
        for local, desk, outcome, language, count in CALLS + extra:
            for _ in range(count):
                number += 1
                _insert_call(conn, number, berlin(local), desk, outcome, language)
        created = berlin("2026-11-24 09:00")
        conn.execute(callbacks.insert().values(
            desk="integration_point", phone="+4917612345678", language="ar", call_sid="CB-sv", status="open",
            attempts=0, created_at=created, due_at=berlin("2026-11-25 09:00"), updated_at=created,
            local_date=created.date()))
        users.create(conn, "adam", PASSWORD, "admin", datetime.now(UTC), display_name="Adam Admin")
    conn = redis.Redis.from_url(stack.env["REDIS_URL"])
    Queue("maintenance", connection=conn).enqueue("builtins.int", "call +4917612345678", job_id="broken-sv")
    stack.eventually(lambda: FailedJobRegistry("maintenance", connection=conn).get_job_ids(), bool)
    return stack


def _main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def _overlaps(boxes: list[dict]) -> list[tuple[int, int]]:
    found = []
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes[i + 1:], i + 1):
            if a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
                    a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]:
                found.append((i, j))
    return found


def _legend_boxes(page: Page) -> list[dict]:
    entries = page.locator(".chart-legend li")
    return [entries.nth(i).bounding_box() for i in range(entries.count())]


def test_dashboard_has_the_top_bar_a_legend_that_never_overlaps_and_both_languages(login, seeded):
    page = login("vera")
    page.goto(seeded.base + "/dashboard/")
    nav = page.locator("header.top nav")
    expect(nav.get_by_role("link", name="Kennzahlen")).to_be_visible()
    expect(nav.get_by_role("link", name="Live")).to_be_visible()
    assert page.get_by_role("link", name="Startseite").count() == 0 and page.locator("main style").count() == 0
    legend = page.locator(".chart-legend li")
    expect(legend).to_have_count(8)  # seven desks and the calls that reached none
    expect(legend.nth(1)).to_have_text("Wirtschaftliche Hilfen (AsylbLG)")
    expect(legend.nth(2)).to_have_text("Kommunales Integrationszentrum")
    assert _overlaps(_legend_boxes(page)) == []
    assert page.locator("svg text", has_text="Anrufe").count() == 1  # the axis names its unit
    shoot(page, "supervisors-dashboard-de")

    page.goto(seeded.base + "/dashboard/?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hotline figures")
    expect(page.locator("header.top nav").get_by_role("link", name="Dashboard")).to_be_visible()
    expect(legend.nth(1)).to_have_text("Benefits for asylum seekers")
    assert page.locator("svg title", has_text="Immigration office, 24 Nov: 3").count() == 1
    text = _main_text(page)
    assert "Wirtschaftliche" not in text and "Anrufe" not in text and "Stelle" not in text
    assert "Oct 26, 2026 to Nov 24, 2026" in text
    assert _overlaps(_legend_boxes(page)) == []
    zoomed(page)  # 683 CSS px wide: the legend wraps onto more rows, still apart
    boxes = _legend_boxes(page)
    assert _overlaps(boxes) == [] and len({round(box["y"]) for box in boxes}) >= 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shoot(page, "supervisors-dashboard-en-zoomed")


def test_dashboard_csv_downloads_for_excel_in_the_interface_language(login, seeded):
    page = login("vera")
    page.goto(seeded.base + "/dashboard/?lang=en")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == "hotline-2026-11.csv"
    body = open(download.value.path(), "rb").read()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Date;Weekday;Calls, total;Calls: Immigration office;Calls: Benefits for asylum seekers")
    assert lines[24].startswith("2026-11-24;Tue;15;3;2;2;2;2;2;1;1;")
    assert "4917" not in body.decode()


def test_jobs_page_names_jobs_in_words_keeps_details_closed_and_requeues(login, seeded):
    page = login("adam")
    page.goto(seeded.base + "/admin/jobs/")
    expect(page.locator("header.top nav").get_by_role("link", name="Hintergrundaufträge")).to_be_visible()
    assert page.locator("main style").count() == 0
    row = page.locator("tr", has_text="broken-sv")
    expect(row.locator(".job-reason")).to_contain_text("ValueError: invalid literal for int()")
    assert "17612345678" not in page.content()
    detail = row.locator("details.job-detail")
    expect(detail.locator("code").first).to_be_hidden()  # the job's id and function only on request
    detail.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(detail.locator("code").first).to_have_text("broken-sv")
    expect(page.locator("th[scope=row]", has_text="Wartung")).to_be_visible()

    page.goto(seeded.base + "/admin/jobs/?lang=en")
    expect(page.get_by_role("heading", name="Failed jobs")).to_be_visible()
    expect(page.locator("th[scope=row]", has_text="Maintenance")).to_be_visible()
    assert "Warteschlange" not in _main_text(page)
    page.locator("tr", has_text="broken-sv").get_by_role("button", name="requeue").click()
    expect(page.get_by_role("status")).to_have_text("1 job(s) requeued.")


def test_live_overview_and_search_name_desks_and_dates_in_the_interface_language(login, seeded):
    page = login("adam")
    page.goto(seeded.base + "/staff/overview")
    row = page.locator("tr", has_text="Integration Point (Agentur für Arbeit)")
    expect(row.locator("td").nth(2)).to_have_text("Di 24.11. 09:00")
    page.goto(seeded.base + "/staff/overview?lang=en")
    row = page.locator("tr", has_text="Integration Point (employment agency)")
    expect(row.locator("td").nth(2)).to_have_text("Tue 24 Nov 09:00")

    page.goto(seeded.base + "/staff/search?phone=0176+12345678&lang=de")
    expect(page.get_by_role("heading", level=2)).to_have_text("Treffer für 0176 1234 5678: 1")
    row = page.locator("tbody tr")
    expect(row).to_contain_text("Integration Point (Agentur für Arbeit)")
    expect(row).to_contain_text("Di 24.11. 09:00")
    page.goto(seeded.base + "/staff/search?phone=0176+12345678&lang=en")
    expect(page.get_by_role("heading", level=2)).to_have_text("Results for +49 176 1234 5678: 1")
    expect(page.locator("tbody tr")).to_contain_text("Tue 24 Nov 09:00")

    page.goto(seeded.base + "/live/?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Live queues")
    expect(page.get_by_role("heading", name="General information")).to_be_visible()
    for path in PAGES:
        for lang in ("de", "en"):
            page.goto(f"{seeded.base}{path}{'&' if '?' in path else '?'}lang={lang}")
            text = _main_text(page)
            assert not any(desk in text for desk in RAW_IDS), (path, lang)
            assert ("Theke" not in text and "Team" not in text) if lang == "de" else "counter" not in text


def test_keyboard_focus_is_visible_on_every_page(login, seeded):
    """Tab through each page (top bar and content): every stop shows a focus ring of at least 2 px."""
    page = login("adam")
    for path in PAGES:
        page.goto(seeded.base + path)
        stops, in_main = 0, 0
        while stops < 60:
            page.keyboard.press("Tab")
            focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
                return {tag: e.tagName, main: !!e.closest('main'), outline: s.outlineStyle,
                        width: parseFloat(s.outlineWidth), text: (e.innerText || e.value || '').slice(0, 30)}; }""")
            if focused["tag"] == "BODY":
                break
            stops += 1
            in_main += focused["main"]
            assert focused["outline"] != "none" and focused["width"] >= 2, (path, focused)
        assert stops > 5 and (in_main or path == "/live/"), (path, stops, in_main)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_accessibility_violation_at_1366_and_at_200_percent(login, seeded, lang):
    page = login("adam")
    for path in PAGES:
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(f"{seeded.base}{path}{'&' if '?' in path else '?'}lang={lang}")
        assert axe_violations(page) == [], (path, lang)
        zoomed(page)
        assert axe_violations(page) == [], (path, lang, "200 %")
