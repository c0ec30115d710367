"""The operators' notices page in headless Chromium: close a desk until tomorrow noon in local time, hear what
callers hear, see it in force, a signed call hears it, end it; both are audited."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ivr.hotline import users
from ivr.store.db import audit_log
from tests.browser.conftest import PASSWORD
from tests.browser.pages import axe_violations
from tests.browser.pages import shoot
from tests.browser.pages import signed_in
from tests.browser.pages import zoomed

pytestmark = pytest.mark.browser
MESSAGE = "Die Stelle ist wegen einer Schulung geschlossen."


@pytest.fixture(scope="module")
def operator(stack):
    with stack.engine.begin() as conn:
        users.create(conn, "nina", PASSWORD, "operator", datetime.now(UTC), display_name="Nina Notice")
    return stack


@pytest.fixture
def page(browser, operator):
    context, page = signed_in(browser, operator.base, "nina", then="/operator/notices")
    page.wait_for_url("**/operator/notices")
    yield page
    context.close()


def _zebera(stack):
    """A German caller through the menus to zebera: myself (1), work (3), Jobcenter money (1)."""
    caller = stack.phone()
    caller.call()
    caller.press("1")
    caller.press("1")
    caller.press("3")
    return caller.press("1")


def test_close_a_desk_until_tomorrow_noon_and_end_it(page, operator):
    assert axe_violations(page) == []
    assert _zebera(operator).dialed == "+492027476330"  # open on Tuesday 10:00 (the stack's clock)

    page.get_by_label("Stelle", exact=True).select_option(label="zebera (Jobcenter)")
    form = page.locator("#closure-form")
    form.get_by_label("Bis Datum").fill("2026-11-25")  # tomorrow
    form.get_by_label("Uhrzeit").fill("12:00")
    form.get_by_label("Grund (nur für Mitarbeitende)").fill("Schulung")
    form.get_by_label("Deutsch").fill(MESSAGE)
    form.locator("button.listen[data-lang='de']").click()  # what a German caller hears: the text, Twilio's voice
    heard = form.locator("ul.heard[data-for='closure-msg-de'] li")
    expect(heard).to_have_text([f"Twilio-Stimme Polly.Vicki-Neural: {MESSAGE}"])
    form.locator("button.listen[data-lang='fa']").click()  # a recorded language: the built-in recording instead
    farsi = form.locator("ul.heard[data-for='closure-msg-fa'] li")
    expect(farsi).to_have_attribute("data-audio", "/static/audio/fa/closed_today.wav")
    expect(farsi).to_contain_text("Aufnahme:")
    assert page.request.get(operator.base + "/static/audio/fa/closed_today.wav").ok

    form.get_by_role("button", name="Schließen").click()
    expect(page.get_by_role("status")).to_have_text("Gespeichert: zebera (Jobcenter) geschlossen bis Mi 25.11. 12:00.")
    row = page.locator("table.in-force tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_have_text("zebera (Jobcenter): geschlossen")
    expect(row.locator("td").first).to_have_text("Mi 25.11. 12:00")
    expect(row).to_contain_text(MESSAGE)
    assert axe_violations(page) == []
    shoot(page, "operator-notices")

    closed = _zebera(operator)  # the next signed call hears the closure and is offered the callback
    assert MESSAGE in closed.text and closed.dialed is None

    end = row.get_by_role("button", name="Beenden")
    end.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Beendet: zebera (Jobcenter): geschlossen.")
    expect(page.locator("table.in-force")).to_have_count(0)
    assert _zebera(operator).dialed == "+492027476330"
    with operator.engine.connect() as conn:
        audited = conn.execute(sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target)
                               .where(audit_log.c.action.like("closure.%")).order_by(audit_log.c.id)).all()
    assert [(a.actor, a.action) for a in audited] == [("nina", "closure.set"), ("nina", "closure.end")]
    assert audited[1].target == "desk:zebera"


def test_the_page_in_english_and_at_200_percent(page):
    page.goto(page.url + "?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Closures, announcement and overflow number")
    expect(page.locator("#closure-desk option").first).to_have_text("Whole house (every desk)")
    zoomed(page)
    assert axe_violations(page) == []
    shoot(page, "operator-notices-en-200")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # no sideways scrolling at 200 %
