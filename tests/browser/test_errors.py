"""Error pages in Chromium: in the interface language, inside the layout, with the way back; no Werkzeug page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORT
from tests.browser.pages import axe_violations
from tests.browser.pages import shoot
from tests.browser.pages import zoomed

pytestmark = pytest.mark.browser


def _follow(page: Page, path: str) -> int:
    """Open a path from the page shown, as a link would (the page is the referrer); the answer's status."""
    with page.expect_response(lambda response: response.url.split("?")[0].endswith(path)) as answer:
        page.evaluate("path => { location.href = path; }", path)
    page.wait_for_load_state()
    return answer.value.status


def _no_findings(page: Page) -> None:
    assert axe_violations(page) == []
    zoomed(page)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.set_viewport_size(VIEWPORT)


def test_a_404_in_german_and_english_leads_back(login, accounts):
    anna = login("anna")  # on her desk's list
    assert _follow(anna, "/staff/nowhere") == 404
    assert anna.locator("html").get_attribute("lang") == "de"
    expect(anna.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    expect(anna.get_by_text("Diese Adresse gibt es hier nicht. Vielleicht ist der Link veraltet.")).to_be_visible()
    expect(anna.get_by_role("navigation", name="Hauptnavigation").get_by_role("link")).to_have_text(["Meine Stellen"])
    expect(anna.get_by_role("contentinfo").get_by_role("link")).to_have_text("Erklärung zur Barrierefreiheit")
    _no_findings(anna)
    shoot(anna, "error-404-de")
    anna.get_by_role("link", name="← Zurück zur vorigen Seite").click()
    expect(anna).to_have_url(re.compile(r"/staff/desks/zebera$"))

    response = anna.goto(accounts.base + "/staff/nowhere?lang=en")  # typed in: nothing to go back to
    assert response.status == 404
    expect(anna.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(anna.get_by_role("link", name="Back to the previous page")).to_have_count(0)
    assert "Not Found" not in anna.content() and "Werkzeug" not in anna.content()
    _no_findings(anna)
    anna.get_by_role("link", name="To the start page").click()
    expect(anna).to_have_url(re.compile(r"/staff/desks/zebera$"))
    expect(anna.get_by_role("link", name="My desks")).to_be_visible()


def test_staff_opening_the_account_admin_get_a_403_in_their_language(login):
    anna = login("anna")
    assert _follow(anna, "/admin/users/") == 403
    expect(anna.get_by_role("heading", level=1)).to_have_text("Kein Zugriff")
    expect(anna.get_by_text("Diese Seite ist für Ihr Konto nicht freigegeben.")).to_be_visible()
    expect(anna.get_by_role("link", name="Konten")).to_have_count(0)  # not in her navigation either
    expect(anna.get_by_role("link", name="← Zurück zur vorigen Seite")).to_have_attribute(
        "href", "/staff/desks/zebera")
    _no_findings(anna)

    anna.get_by_role("link", name="English").click()  # the switch on the error page itself
    expect(anna.get_by_role("heading", level=1)).to_have_text("Access denied")
    expect(anna.get_by_text("Your account may not open this page.")).to_be_visible()
    expect(anna.locator("html")).to_have_attribute("lang", "en")
    expect(anna.get_by_role("link", name="Back to the previous page")).to_have_count(0)  # not the 403 again
    _no_findings(anna)
    shoot(anna, "error-403-en")
    anna.get_by_role("link", name="To the start page").click()
    expect(anna).to_have_url(re.compile(r"/staff/desks/zebera$"))


def test_someone_not_logged_in_is_led_to_the_login(browser, accounts):
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    page = context.new_page()
    response = page.goto(accounts.base + "/static/nothing.css")  # a public path: its 404 needs no login
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Seite nicht gefunden")
    expect(page.get_by_role("navigation")).to_have_count(0)
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    _no_findings(page)
    page.get_by_role("link", name="Zur Anmeldung").click()
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    context.close()
