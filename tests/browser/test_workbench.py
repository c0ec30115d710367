"""The workbench in headless Chromium: a task from a simulated call is claimed, tried, rescheduled, closed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import axe_violations
from tests.browser.pages import open_tasks
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def task_id(accounts):
    """A callback task for zebera, left by an Arabic-speaking caller on Tuesday evening."""
    stack = accounts
    stack.clock.set("2026-11-24 19:30")
    caller = stack.phone(caller="+4917612345678")
    caller.call()
    # Arabic, a topic, Jobcenter, zebera, this number, any time, no SMS, no message
    for key in ("2", "1", "3", "1", "1", "3", "2", "2"):
        caller.press(key)
    caller.hang_up()
    tasks = stack.eventually(lambda: open_tasks(stack, "zebera"), lambda found: len(found) == 1)
    stack.clock.set("2026-11-25 08:10")  # Wednesday morning, the desk is open
    return tasks[0]["id"]


def test_staff_work_a_task_from_claim_to_close(login, task_id, accounts):
    anna = login("anna")
    expect(anna).to_have_url(re.compile(r"/staff/desks/zebera$"))
    row = anna.locator("table.tasks tbody tr").filter(has_text="0176 1234 5678")  # as German numbers are written
    expect(row).to_contain_text("العربية")
    expect(row).to_contain_text("nicht Ihre Sprache")
    expect(row).to_contain_text("frei")
    shoot(anna, "desk-list")
    row.get_by_role("link", name="0176 1234 5678").click()
    bert = login("bert")
    bert.goto(f"{accounts.base}/staff/tasks/{task_id}")  # bert opens the free task at the same time
    anna.get_by_role("button", name="Übernehmen").click()
    expect(anna.locator("dd .badge.mine")).to_have_text("Von Ihnen übernommen")

    bert.get_by_role("button", name="Übernehmen").click()  # too late: anna has it
    expect(bert.get_by_role("alert")).to_have_text("Diese Aufgabe bearbeitet bereits Anna Arslan.")
    expect(bert.get_by_text("In Bearbeitung von Anna Arslan")).to_be_visible()
    expect(bert.get_by_role("button", name="Übernehmen")).to_have_count(0)
    expect(bert.get_by_role("button", name="Speichern", exact=True)).to_have_count(0)
    shoot(bert, "task-claimed-by-other")

    anna.get_by_label("Nicht erreicht").check()
    anna.get_by_label("Notiz", exact=True).fill("Mailbox, keine Ansage")
    anna.get_by_label("Nächsten Versuch planen").check()
    anna.get_by_label("Nächster Versuch").fill("2026-11-25T13:30")
    shoot(anna, "task-page")
    anna.get_by_role("button", name="Speichern", exact=True).click()
    expect(anna.get_by_role("status")).to_have_text("Gespeichert.")
    expect(anna.locator("dl")).to_contain_text("Mi 25.11. 13:30")
    expect(anna.locator("dl")).to_contain_text("1 / 3")

    anna.get_by_label("Erreicht – erledigt").check()
    anna.get_by_label("Notiz", exact=True).fill("Termin am Freitag vereinbart")
    anna.get_by_role("button", name="Speichern", exact=True).click()
    expect(anna.locator("dl")).to_contain_text("geschlossen (erledigt)")
    history = anna.locator("#hist + table")
    expect(history).to_contain_text("Versuch: Nicht erreicht")
    expect(history).to_contain_text("Termin am Freitag vereinbart")
    shoot(anna, "task-closed")
    assert open_tasks(accounts, "zebera") == []


def test_staff_of_another_desk_cannot_open_the_task(login, task_id, accounts):
    carl = login("carl")
    response = carl.goto(f"{accounts.base}/staff/tasks/{task_id}")
    assert response is not None and response.status == 404
    response = carl.goto(f"{accounts.base}/staff/desks/zebera")
    assert response is not None and response.status == 404


def test_pages_pass_the_accessibility_check(browser, login, task_id, accounts):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(accounts.base + "/login")
    shoot(page, "login")
    assert axe_violations(page) == []
    context.close()
    vera = login("vera")
    for name, path in (
        ("home", "/staff/"),
        ("desk-list-supervisor", "/staff/desks/zebera"),
        ("task-supervisor", f"/staff/tasks/{task_id}"),
        ("overview", "/staff/overview"),
        ("search", "/staff/search?phone=0176+12345678"),
        ("desk-list-en", "/staff/desks/zebera?lang=en"),
    ):
        vera.goto(accounts.base + path)
        shoot(vera, name)
        assert axe_violations(vera) == [], name
    anna = login("anna")
    anna.goto(f"{accounts.base}/staff/tasks/{task_id}")
    assert axe_violations(anna) == []


def test_admins_manage_accounts_in_accessible_pages(login, accounts):
    """The account list, a new account refused for desks of two bodies, then created; the edit page."""
    from datetime import UTC
    from datetime import datetime

    from ivr.hotline import users
    from tests.browser.conftest import PASSWORD

    with accounts.engine.begin() as conn:
        users.create(conn, "root", PASSWORD, "admin", datetime.now(UTC), display_name="Ria Root")
    root = login("root")
    root.get_by_role("link", name="Konten").click()
    expect(root.get_by_role("heading", level=1)).to_have_text("Konten der Mitarbeitenden")
    shoot(root, "accounts-list")
    assert axe_violations(root) == [], "accounts-list"
    root.get_by_role("link", name="Neues Konto").click()
    root.get_by_label("Benutzername").fill("dora")
    root.get_by_label("Anzeigename").fill("Dora Dogan")
    root.get_by_label("zebera (Jobcenter)").check()
    root.get_by_label("Allgemeine Information").check()  # the city's desk: a second body
    root.get_by_label("العربية (ar)").check()
    root.get_by_label("Eigenes Telefon").fill("+4915112345678")
    root.get_by_label("Erstes Passwort").fill("dora's first password")
    root.get_by_label("Passwort wiederholen").fill("dora's first password")
    root.get_by_role("button", name="Konto anlegen").click()
    expect(root.get_by_role("alert")).to_contain_text("Stellen nur einer Behörde")
    shoot(root, "account-new-refused")
    assert axe_violations(root) == [], "account-new-refused"
    root.get_by_label("Allgemeine Information").uncheck()
    root.get_by_label("Erstes Passwort").fill("dora's first password")
    root.get_by_label("Passwort wiederholen").fill("dora's first password")
    root.get_by_role("button", name="Konto anlegen").click()
    expect(root.get_by_role("status")).to_have_text("Konto dora angelegt.")
    row = root.locator("table.accounts tbody tr").filter(has_text="Dora Dogan")
    expect(row).to_contain_text("hinterlegt")
    expect(row).not_to_contain_text("+4915112345678")
    row.get_by_role("link", name="dora").click()
    expect(root.get_by_label("Eigenes Telefon")).to_have_value("+4915112345678")
    shoot(root, "account-edit")
    assert axe_violations(root) == [], "account-edit"
    root.goto(accounts.base + "/admin/users/dora?lang=en")
    assert axe_violations(root) == [], "account-edit-en"
