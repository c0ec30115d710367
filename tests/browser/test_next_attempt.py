"""The desk list in headless Chromium tells when the next attempt may be made: the spacing after a failed attempt,
then the caller's window; no hint once now suits."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ivr.store.db import callbacks
from tests.browser.pages import axe_violations
from tests.browser.pages import open_tasks
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def task_id(accounts):
    """A callback task for zebera, left on Tuesday evening; Wednesday 08:10 the desk is open."""
    stack = accounts
    stack.clock.set("2026-11-24 19:30")
    caller = stack.phone(caller="+4917612345678")
    caller.call()
    for key in ("2", "1", "3", "1", "1", "2"):  # Arabic, a topic, Jobcenter, zebera, this number, no message
        caller.press(key)
    caller.hang_up()
    tasks = stack.eventually(lambda: open_tasks(stack, "zebera"), lambda found: len(found) == 1)
    stack.clock.set("2026-11-25 08:10")
    return tasks[0]["id"]


def test_the_list_tells_when_the_next_attempt_may_be_made(login, task_id, accounts):
    anna = login("anna")
    row = anna.locator("table.tasks tbody tr").filter(has_text="0176 1234 5678")
    expect(row.locator(".next-attempt")).to_have_count(0)  # nobody tried yet: now suits
    row.get_by_role("link", name="0176 1234 5678").click()
    anna.get_by_role("button", name="Übernehmen").click()
    anna.get_by_label("Nicht erreicht").check()
    anna.get_by_role("button", name="Speichern", exact=True).click()  # the suggested time: two service hours later
    expect(anna.get_by_role("status")).to_have_text("Gespeichert.")
    anna.get_by_role("link", name="Zurück").click()
    expect(row.locator(".next-attempt")).to_have_text("nächster Versuch: heute 10:10")
    with accounts.engine.begin() as conn:  # the caller chose the afternoon
        conn.execute(sa.update(callbacks).where(callbacks.c.id == task_id).values(window="afternoon"))
    anna.reload()
    expect(row.locator(".next-attempt")).to_have_text("nächster Versuch: heute 12:00")
    shoot(anna, "desk-list-next-attempt")
    assert axe_violations(anna) == []
    accounts.clock.set("2026-11-25 12:30")
    anna.reload()
    expect(row).to_be_visible()
    expect(row.locator(".next-attempt")).to_have_count(0)
