"""The operators' phone simulator in headless Chromium: call, press keys, hear prompts, see the ending."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime

import pytest
from playwright.sync_api import expect

from ivr.hotline import users
from tests.browser.conftest import PASSWORD
from tests.browser.conftest import VIEWPORT
from tests.browser.pages import axe_violations
from tests.browser.pages import shoot
from tests.browser.pages import signed_in
from tests.browser.pages import zoomed

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
    expect(page.locator(".flowgraph")).to_contain_text("☎ eingehender Anruf")

    page.locator("#sim-lang").select_option("de")
    page.locator("#sim-at").fill("2026-11-24 10:00")
    page.get_by_role("button", name="Anrufen").click()
    expect(page.locator("#transcript")).to_contain_text("Datenschutz")
    for key in ("1", "3", "1"):  # about myself, work, Jobcenter money -> zebera
        button = page.locator(f".key[data-key='{key}']")
        expect(button).to_be_enabled()
        button.click()
    expect(page.locator("#transcript")).to_contain_text(re.compile(r"Weiterleitung an 0202 [\d ]+"))
    page.get_by_role("button", name="Stelle nimmt ab").click()
    expect(page.locator("#ending")).to_have_text(  # the number as people read it (ivr/web/filters.phone)
        re.compile(r"^Ende des Anrufs: weitergeleitet an 0202 [\d ]+ – zebera \(Jobcenter\)$"))
    # one numbered step per answer of the hotline, the caller's actions in words after it
    steps = page.locator("#transcript > li")
    expect(steps).to_have_count(5)
    # the list numbers its items 1..5: each is a list item, and nothing else is a child of the list
    assert page.locator("#transcript").evaluate(
        "ol => Array.from(ol.children, (li) => li.className + ':' + getComputedStyle(li).display)") == \
        ["step:list-item"] * 5
    assert page.locator("#transcript p.act").all_inner_texts() == [  # the language chosen above is key 1
        "Anrufer: drückt die Taste 1", "Anrufer: drückt die Taste 1", "Anrufer: drückt die Taste 3",
        "Anrufer: drückt die Taste 1", "Anrufer: die Stelle nimmt ab"]
    assert steps.nth(0).locator("p.act").inner_text() == "Anrufer: drückt die Taste 1"
    assert ">" not in page.locator("#transcript").inner_text()
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


def _login(browser, stack, path: str = "/operator/simulator"):
    context, page = signed_in(browser, stack.base, "olga", then=path)
    page.wait_for_url("**" + path)
    return context, page


SMALLEST_FONT = """() => Math.min(...Array.from(document.querySelectorAll('.flowgraph svg text'), (t) =>
    parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))"""
"""The smallest label of the drawing as rendered, in CSS px (the SVG's font size times its scale on screen)."""


def test_the_graph_is_readable_at_1366_px_one_menu_at_a_time(browser, operator):
    context, page = _login(browser, operator)
    assert page.evaluate(SMALLEST_FONT) >= 12
    view = page.get_by_label("Ansicht")
    view.select_option(label="Menü topic")
    expect(page.locator(".flowgraph svg")).to_have_attribute("data-view", "topic")
    graph = page.locator(".flowgraph")
    expect(graph).to_contain_text("Ausländerbehörde")
    expect(graph).to_contain_text("Rückrufauftrag")
    expect(graph).not_to_contain_text("incoming call")
    assert page.evaluate(SMALLEST_FONT) >= 12
    shoot(page, "operator-simulator-topic")
    # another menu's box leads to its view
    page.locator(".flowgraph svg a", has_text="weiter: status").click()
    expect(page.locator(".flowgraph svg")).to_have_attribute("data-view", "status")
    expect(view).to_have_value("status")
    # zoom by keyboard: the drawing takes the focus, + and - change its size, the buttons too
    graph.focus()
    width = page.locator(".flowgraph svg").evaluate("svg => svg.getBoundingClientRect().width")
    page.keyboard.press("+")
    expect(page.locator("#zoom-level")).to_have_text("125 %")
    assert page.locator(".flowgraph svg").evaluate("svg => svg.getBoundingClientRect().width") > width * 1.2
    page.get_by_role("button", name="Kleiner").click()
    page.get_by_role("button", name="Kleiner").click()
    expect(page.locator("#zoom-level")).to_have_text("80 %")
    page.get_by_role("button", name="100 %").click()
    expect(page.locator("#zoom-level")).to_have_text("100 %")
    view.select_option("all")
    expect(page.locator(".flowgraph svg")).to_have_attribute("data-view", "all")
    assert page.evaluate(SMALLEST_FONT) >= 12  # the whole drawing at 100 % scrolls in its frame
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # the page itself does not
    page.get_by_role("button", name="Ganz zeigen").click()
    assert page.locator(".flowgraph svg").evaluate("svg => svg.getBoundingClientRect().width") <= \
        graph.evaluate("frame => frame.clientWidth")
    page.goto(operator.base + "/operator/simulator?view=jobcenter&lang=en")
    expect(page.locator(".flowgraph")).to_contain_text("callback task")
    expect(page.get_by_label("View")).to_have_value("jobcenter")
    context.close()


def test_the_simulator_passes_axe_at_1366_and_at_200_percent(browser, operator):
    context, page = _login(browser, operator)
    page.locator("#sim-lang").select_option("de")
    page.get_by_label("Geschlossen").select_option(label="zebera (Jobcenter)")
    page.locator("#sim-at").fill("2026-11-24 10:00")
    page.get_by_role("button", name="Anrufen").click()
    expect(page.locator(".key[data-key='1']")).to_be_enabled()
    page.get_by_role("button", name="Nichts drücken").click()  # the first menu times out
    expect(page.locator("#transcript p.act")).to_have_text(["Anrufer: drückt die Taste 1",
                                                            "Anrufer: keine Eingabe (Zeitüberschreitung)"])
    assert axe_violations(page) == []
    zoomed(page)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    context.close()
