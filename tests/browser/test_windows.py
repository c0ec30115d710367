"""The callers' windows on the workbench list in headless Chromium: named, flagged when now does not suit the
caller, sorted by window on a click, and the warning on the task page before an attempt outside the window."""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ivr.hotline import callbacks
from ivr.store.db import callbacks as callbacks_table
from tests.browser.pages import axe_violations
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser

TASKS = (  # phone, window, due in hours (by due time: any, afternoon, morning 2, morning 1)
    ("+4917600000104", "morning", 5),
    ("+4917600000103", "morning", 4),
    ("+4917600000102", "afternoon", 2),
    ("+4917600000101", "any", 1),
)


@pytest.fixture(scope="module")
def tasks(accounts):
    """Four open tasks at zebera with the callers' windows; the clock on Tuesday 10:00 (a morning)."""
    stack = accounts
    stack.clock.set("2026-11-24 10:00")
    now = stack.clock()
    ids = {}
    with stack.engine.begin() as conn:
        for number, (phone, window, hours) in enumerate(TASKS):
            ids[phone], _ = callbacks.create(conn, "zebera", phone, "ar", f"CA{number:032d}", now,
                                             now + timedelta(hours=hours), promised_by=date(2026, 11, 26),
                                             window=window)
            conn.execute(callbacks_table.update().where(callbacks_table.c.id == ids[phone]).values(sms_consent=True))
    return ids


def _phones(page) -> list[str]:
    return [text.strip() for text in page.locator("table.tasks tbody tr a.tasklink").all_inner_texts()]


def test_the_window_on_the_list_sorted_on_a_click_and_warned_on_the_task(login, tasks, accounts):
    anna = login("anna")
    expect(anna).to_have_url(re.compile(r"/staff/desks/zebera$"))
    expect(anna.get_by_role("columnheader", name="Zeitfenster")).to_be_visible()
    # by due, those that may be called now first: the afternoon caller goes below (it is 10:00)
    assert _phones(anna) == ["0176 0000 0101", "0176 0000 0103", "0176 0000 0104", "0176 0000 0102"]
    afternoon = anna.locator("table.tasks tbody tr").filter(has_text="0176 0000 0102")
    expect(afternoon.locator("td.window")).to_contain_text("nachmittags")
    expect(afternoon.locator("td.window .badge.warn")).to_have_text("jetzt außerhalb")
    expect(afternoon.locator("td.due .next-attempt")).to_have_text("nächster Versuch: heute 12:00")
    morning = anna.locator("table.tasks tbody tr").filter(has_text="0176 0000 0103")
    expect(morning.locator("td.window")).to_contain_text("vormittags")
    expect(morning.locator("td.window")).to_contain_text("zugesagt bis 26.11.")
    expect(morning.locator("td.window .badge.warn")).to_have_count(0)
    assert axe_violations(anna) == []
    assert anna.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider
    shoot(anna, "desk-list-windows")

    anna.get_by_role("link", name="Zeitfenster").click()
    expect(anna).to_have_url(re.compile(r"sort=window$"))
    expect(anna.get_by_role("columnheader", name="Zeitfenster")).to_have_attribute("aria-sort", "ascending")
    assert _phones(anna) == ["0176 0000 0103", "0176 0000 0104", "0176 0000 0102", "0176 0000 0101"]
    shoot(anna, "desk-list-by-window")
    anna.get_by_role("link", name="Fällig", exact=True).click()
    expect(anna).to_have_url(re.compile(r"/staff/desks/zebera$"))

    anna.get_by_role("link", name="0176 0000 0102").click()
    warning = anna.locator("#window-warning")
    expect(warning).to_have_text("Die anrufende Person möchte nachmittags angerufen werden – jetzt ist außerhalb "
                                 "dieses Zeitfensters. Nächste passende Zeit: Di 24.11. 12:00.")
    expect(anna.locator("dl")).to_contain_text(callbacks.reference(tasks["+4917600000102"]))
    assert axe_violations(anna) == []
    shoot(anna, "task-outside-window")
