"""The operators' phone simulator in headless Chromium: call, press keys, hear prompts, see the ending."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from playwright.sync_api import expect

from ivr.hotline import users
from tests.browser.conftest import PASSWORD
from tests.browser.conftest import VIEWPORT
from tests.browser.pages import shoot

pytestmark = pytest.mark.browser
SPOKEN = """
window.spokenLangs = [];
const speak = speechSynthesis.speak.bind(speechSynthesis);
speechSynthesis.speak = (utterance) => { window.spokenLangs.push(utterance.lang); speak(utterance); };
"""
"""Records the language of every utterance the page hands to speechSynthesis, in order."""


@pytest.fixture(scope="module")
def operator(stack):
    with stack.engine.begin() as conn:
        users.create(conn, "olga", PASSWORD, "operator", datetime.now(UTC), display_name="Olga Operator")
    return stack


def test_operator_calls_the_hotline_in_the_browser(browser, operator):
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    context.add_init_script(SPOKEN)
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
        "Ende des Anrufs: weitergeleitet an +492027476330 (Stelle zebera)")
    # prompts are read aloud in order by the browser's speechSynthesis, each in its own language: the language menu
    # in all six, then German only for this German call
    heard = page.locator("#transcript li.heard").evaluate_all(
        "items => items.filter(li => !li.textContent.startsWith('♪')).map(li => li.lang)")
    page.wait_for_function(f"window.spokenLangs.length >= {len(heard)}", timeout=120_000)
    spoken = page.evaluate("window.spokenLangs")
    assert spoken == heard
    assert spoken[-1] == "de-DE" and spoken.count("de-DE") > 1
    shoot(page, "operator-simulator")
    context.close()
