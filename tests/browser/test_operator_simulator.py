"""The operators' phone simulator in headless Chromium: call, press keys, hear prompts, see the ending."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from playwright.sync_api import expect

from ivr import users
from tests.browser.conftest import PASSWORD
from tests.browser.conftest import VIEWPORT
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def operator(stack):
    with stack.engine.begin() as conn:
        users.create(conn, "olga", PASSWORD, "operator", datetime.now(UTC), display_name="Olga Operator")
    return stack


def test_operator_calls_the_hotline_in_the_browser(browser, operator):
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    page = context.new_page()
    page.goto(operator.base + "/login?next=/operator/simulator")
    page.get_by_label("Benutzername").fill("olga")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/operator/simulator")
    expect(page.locator(".flowgraph svg")).to_be_visible()
    expect(page.locator(".flowgraph")).to_contain_text("Ausländerbehörde")

    page.locator("#sim-lang").select_option("de")
    page.locator("#sim-at").fill("2026-11-24 10:00")
    page.get_by_role("button", name="Anrufen").click()
    expect(page.locator("#transcript")).to_contain_text("Datenschutz")
    for key in ("1", "3", "1"):  # about myself, work, Jobcenter money -> zebera
        button = page.locator(f".key[data-key='{key}']")
        expect(button).to_be_enabled()
        button.click()
    expect(page.locator("#transcript")).to_contain_text("Weiterleitung an +492027476330")
    page.get_by_role("button", name="Stelle nimmt ab").click()
    expect(page.locator("#ending")).to_have_text(
        "Ende des Anrufs: weitergeleitet an +492027476330 (Theke zebera)")
    # prompts are read aloud in order by the browser's speechSynthesis, each in its own language
    page.wait_for_function("document.body.dataset.lastSpoken !== undefined")
    spoken = page.evaluate("document.body.dataset.lastSpoken")
    assert spoken in ("de-DE", "ar", "uk-UA", "tr-TR", "en-GB", "ru-RU")
    shoot(page, "operator-simulator")
    context.close()
