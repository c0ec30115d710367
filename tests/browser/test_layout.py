"""The shared layout in Chromium: a role's navigation in one row at 1366 px, the current page marked, the language
switch that keeps the page's arguments, a visible focus ring on every tab stop, usable at 200 % zoom, no axe finding."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from ivr.hotline import users
from tests.browser.conftest import PASSWORD
from tests.browser.conftest import VIEWPORT
from tests.browser.pages import axe_violations
from tests.browser.pages import shoot
from tests.browser.pages import signed_in
from tests.browser.pages import zoomed

pytestmark = pytest.mark.browser

ADMIN_NAV = ["Meine Stellen", "Übersicht", "Suche", "Kennzahlen", "Live", "Telefon-Simulator",
             "Hintergrundaufträge", "Konten"]
NOTICES = "Schließungen & Ansagen"
"""The operators' page for closures and announcements: in the navigation once the app has it."""
PAGES = {  # an admin's pages: path and the navigation entry marked as this page
    "/staff/": "Meine Stellen", "/staff/overview": "Übersicht", "/staff/search": "Suche",
    "/dashboard/": "Kennzahlen", "/live/": "Live", "/operator/simulator": "Telefon-Simulator",
    "/admin/jobs/": "Hintergrundaufträge", "/admin/users/": "Konten",
}
CONTRAST = """([a, b]) => {
  const lum = c => { const [r, g, bl] = c.match(/\\d+/g).slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * bl; };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }"""

RING = """() => { const e = document.activeElement, s = getComputedStyle(e);
  let up = e.parentElement, ground = 'rgba(0, 0, 0, 0)';  // the ring lies around the element: its parents' colour
  while (up && (ground = getComputedStyle(up).backgroundColor) === 'rgba(0, 0, 0, 0)') up = up.parentElement;
  return {tag: e.tagName, text: e.innerText || e.name || '', style: s.outlineStyle, width: s.outlineWidth,
          color: s.outlineColor, ground: ground}; }"""


@pytest.fixture(scope="module")
def people(accounts):
    """An admin with a queue desk and a long name (the fullest top bar), an admin without desks, an operator."""
    now = datetime.now(UTC)
    with accounts.engine.begin() as conn:
        users.create(conn, "adam", PASSWORD, "admin", now, display_name="Adam Administrator-Langname")
        users.add_desk(conn, "adam", "info")  # a queue desk: the status control joins the top bar
        users.create(conn, "ada", PASSWORD, "admin", now, display_name="Ada Admin")
        users.create(conn, "olga", PASSWORD, "operator", now, display_name="Olga Oktay")
    return accounts


@pytest.fixture
def sign_in(browser, people):
    """`sign_in("adam")`: a fresh context at 1366x768, logged in, on the person's start page."""
    contexts = []

    def open_as(username: str) -> Page:
        context, page = signed_in(browser, people.base, username)
        contexts.append(context)
        expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


def _nav(page: Page) -> list[str]:
    return page.locator(".main-nav a").all_inner_texts()


def _rows(page: Page, selector: str) -> int:
    """How many rows the elements take: their vertical middles more than half a line apart start a new one."""
    middles = sorted(page.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })"))
    return 1 + sum(1 for a, b in zip(middles, middles[1:], strict=False) if b - a > 10)


def _no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_an_admins_top_bar_keeps_its_navigation_in_one_row_on_every_page(sign_in, people):
    adam = sign_in("adam")
    for path, here in PAGES.items():
        adam.goto(people.base + path)
        nav = _nav(adam)
        assert [item for item in nav if item != NOTICES] == ADMIN_NAV, path
        assert _rows(adam, ".main-nav a") == 1, path  # one row
        assert adam.locator(".top").bounding_box()["height"] < 130, path  # about a sixth of the screen at most
        current = adam.locator(".main-nav a[aria-current=page]")
        expect(current).to_have_text(here)
        assert _no_sideways_scroll(adam), path
        footer = adam.get_by_role("contentinfo")
        expect(footer.get_by_role("link", name="Erklärung zur Barrierefreiheit")).to_be_visible()
    expect(adam.locator("#status-control")).to_be_visible()  # the fullest bar: status, long name, every entry
    shoot(adam, "layout-admin-1366")
    adam.get_by_role("link", name="English").click()
    expect(adam.locator(".main-nav a")).to_contain_text(["My desks", "Overview", "Search", "Dashboard", "Live"])
    assert _rows(adam, ".main-nav a") == 1 and adam.locator(".top").bounding_box()["height"] < 130

    ada = sign_in("ada")  # no queue desk: brand, language, name and logout share the first row
    assert _rows(ada, ".brand, .who > *") == 1
    assert ada.locator(".top").bounding_box()["height"] < 100


def test_a_page_below_an_entry_marks_its_section(sign_in, people):
    vera = sign_in("vera")  # supervisor of zebera and helpers: the desk choice
    vera.get_by_role("link", name="zebera (Jobcenter)").click()
    expect(vera.locator(".main-nav a[aria-current=true]")).to_have_text("Meine Stellen")
    expect(vera.locator(".main-nav a[aria-current=page]")).to_have_count(0)


@pytest.mark.parametrize(("username", "entries"), [
    ("anna", ["Meine Stellen"]),
    ("vera", ["Meine Stellen", "Übersicht", "Suche", "Kennzahlen", "Live"]),
    ("olga", ["Telefon-Simulator"]),
])
def test_each_role_sees_its_own_navigation(sign_in, username, entries):
    page = sign_in(username)
    assert [item for item in _nav(page) if item != NOTICES] == entries
    if username != "olga":
        assert NOTICES not in _nav(page)


def test_the_language_switch_keeps_the_page_and_its_arguments(sign_in, people):
    vera = sign_in("vera")
    vera.goto(people.base + "/staff/search?phone=0176+1234567")
    vera.get_by_role("link", name="English").click()
    expect(vera.get_by_role("link", name="Deutsch")).to_be_visible()
    assert vera.url.endswith("/staff/search?phone=0176+1234567&lang=en")
    nav = vera.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Search")).to_have_attribute("aria-current", "page")
    assert vera.locator("html").get_attribute("lang") == "en"
    expect(vera.locator("input[name=phone]")).to_have_value("0176 1234567")
    vera.get_by_role("link", name="Deutsch").click()
    assert vera.url.endswith("/staff/search?phone=0176+1234567&lang=de")  # lang= is replaced, not repeated
    expect(vera.get_by_role("link", name="Suche", exact=True)).to_be_visible()


def test_every_tab_stop_shows_a_ring_that_stands_out(sign_in):
    adam = sign_in("adam")
    rings = []
    for _ in range(40):
        adam.keyboard.press("Tab")
        ring = adam.evaluate(RING)
        if ring["tag"] == "BODY":
            break
        rings.append(ring)
    texts = [r["text"] for r in rings]
    assert texts[:1] == ["Zum Inhalt springen"] and "Abmelden" in texts and "Konten" in texts
    assert "Erklärung zur Barrierefreiheit" in texts  # the footer too
    for ring in rings:
        assert (ring["style"], ring["width"]) == ("solid", "3px"), ring
        assert adam.evaluate(CONTRAST, [ring["color"], ring["ground"]]) >= 3, ring  # WCAG 1.4.11
    in_bar = [r for r in rings if r["text"] == "Konten"][0]
    assert in_bar["color"] == "rgb(255, 191, 71)"  # yellow on the blue bar, dark on the light page
    adam.get_by_role("link", name="Konten").focus()
    shoot(adam, "layout-focus-in-the-bar")


def test_the_layout_at_200_percent_and_without_accessibility_findings(sign_in, people):
    ada = sign_in("ada")  # an admin without desks: the bare layout around the desk choice
    assert axe_violations(ada) == []
    zoomed(ada)  # 683 CSS px wide
    assert _no_sideways_scroll(ada)
    assert _rows(ada, ".main-nav a") > 1  # the navigation wraps instead of running off the screen
    for box in ada.locator(".main-nav a, .who > *").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().right)"):
        assert box <= 683
    assert axe_violations(ada) == []
    shoot(ada, "layout-admin-200-percent")


def test_the_statement_is_one_click_from_any_footer_without_login(browser, people):
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    page = context.new_page()
    page.goto(people.base + "/login")
    assert axe_violations(page) == []
    zoomed(page)
    assert axe_violations(page) == [] and _no_sideways_scroll(page)
    page.set_viewport_size(VIEWPORT)
    page.get_by_role("contentinfo").get_by_role("link", name="Erklärung zur Barrierefreiheit").click()
    expect(page).to_have_url(re.compile(r"/barrierefreiheit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Erklärung zur Barrierefreiheit")
    expect(page.get_by_text("teilweise mit den Anforderungen vereinbar")).to_be_visible()
    expect(page.get_by_text("Diese Erklärung wurde am 29. November 2026 erstellt.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Sprachnachrichten")).to_be_visible()  # a known gap named
    expect(page.get_by_role("link", name="barrierefreiheit@stadt.wuppertal.de")).to_have_attribute(
        "href", "mailto:barrierefreiheit@stadt.wuppertal.de")  # config.yaml's accessibility.contact_email
    expect(page.get_by_role("heading", name="Durchsetzungsverfahren")).to_be_visible()
    expect(page.get_by_role("link", name="ombudsstelle-barrierefreie-it@mags.nrw.de")).to_be_visible()
    assert axe_violations(page) == []
    zoomed(page)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shoot(page, "statement-de-200-percent")
    page.set_viewport_size({"width": 320, "height": 480})  # 400 %: WCAG 1.4.10 asks for no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    page.set_viewport_size(VIEWPORT)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    expect(page.get_by_text("This statement was prepared on November 29, 2026.")).to_be_visible()
    expect(page.get_by_role("heading", name="Enforcement procedure")).to_be_visible()
    expect(page.locator("address span[lang=de]")).to_have_text(
        "Ombudsstelle für barrierefreie Informationstechnik des Landes Nordrhein-Westfalen")  # its name, marked German
    assert axe_violations(page) == []
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)  # not logged in: no name, no navigation
    expect(page.get_by_role("navigation")).to_have_count(0)
    context.close()


def test_the_account_pages_without_accessibility_findings(sign_in, people):
    ada = sign_in("ada")
    for path in ("/admin/users/", "/admin/users/new", "/admin/users/anna", "/admin/users/anna?lang=en"):
        ada.set_viewport_size(VIEWPORT)
        ada.goto(people.base + path)
        assert axe_violations(ada) == [], path
        zoomed(ada)
        assert axe_violations(ada) == [], path
        assert _no_sideways_scroll(ada), path
        shoot(ada, "accounts" + path.replace("/", "-").replace("?", "-") + "200-percent")
    ada.set_viewport_size(VIEWPORT)
    ada.goto(people.base + "/admin/users/new?lang=de")
    ada.get_by_label("Benutzername").fill("dora")
    ada.get_by_label("Erstes Passwort").fill("a long enough password")
    ada.get_by_label("Passwort wiederholen").fill("another long password")
    ada.get_by_role("button", name="Konto anlegen").click()
    expect(ada.get_by_role("alert")).to_be_visible()  # the broken rule, next to the field it names
    assert axe_violations(ada) == []
