"""Every page of the interface (tests/support/showcase.py PAGES, the screenshots' list) in German and English, at
1366x768 and at 200 % zoom, on a seeded working day: axe-core finds nothing, the top bar has the role's navigation
and the language switch, <html lang> is the interface language, and nothing is wider than the window."""

from __future__ import annotations

import pytest

from ivr.store import db
from tests.browser.conftest import VIEWPORT
from tests.browser.pages import axe_violations
from tests.browser.pages import zoomed
from tests.support import showcase
from tests.support.stores import empty_stores

pytestmark = pytest.mark.browser
OTHER = {"de": "en", "en": "de"}
SPILLING = """() => {
    const edge = window.innerWidth + 1;
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.classList.length ? '.' + [...e.classList].join('.') : '');
    return [...document.body.querySelectorAll('*')]
        .filter(e => e.getBoundingClientRect().right > edge && e.parentElement.getBoundingClientRect().right <= edge)
        .slice(0, 5).map(e => `${name(e)} (${Math.round(e.getBoundingClientRect().right)} px)`);
}"""
"""The outermost elements that reach past the window's right edge."""


@pytest.fixture(scope="module")
def day(tmp_path_factory, database_url, redis_url):
    """The seeded day on a web server; yields (base URL, the pages' ids)."""
    engine = db.make_engine(database_url)
    empty_stores(engine, redis_url)
    stack = showcase.WebStack(tmp_path_factory.mktemp("every-page"), database_url, redis_url)
    ids = showcase.seed(engine, stack.tmp / "instance")
    stack.start()
    yield stack.base, ids
    stack.stop()
    engine.dispose()


@pytest.fixture(scope="module")
def sessions(browser, day):
    """A logged-in browser state for each role."""
    base, _ = day
    return {role: showcase.log_in(browser, base, name) for role, name in showcase.LOGIN.items()}


def _problems(tab, page: showcase.Page, lang: str, zoom: bool) -> list[str]:
    """What is wrong with the page as shown now."""
    found = []
    if tab.locator("html").get_attribute("lang") != lang:
        found.append(f"<html lang> is {tab.locator('html').get_attribute('lang')!r}, not {lang!r}")
    header = tab.locator("header").first
    if not header.count() or not header.is_visible():
        found.append("no top bar")
    elif not header.locator(f"a[href*='lang={OTHER[lang]}']").count():
        found.append("no language switch in the top bar")
    if page.role and not tab.locator("header nav a").count():
        found.append("no navigation in the top bar")
    if zoom:
        wide = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if wide[0] > wide[1] + 1:
            found.append(f"wider than the window at 200 %: {wide[0]} px in {wide[1]} px; "
                         f"past the edge: {', '.join(tab.evaluate(SPILLING))}")
    found += [f"axe {v['id']} ({v['impact']}): {v['nodes']}" for v in axe_violations(tab)]
    return found


@pytest.mark.parametrize("zoom", [False, True], ids=["1366x768", "200pct"])
@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("page", showcase.PAGES, ids=[p.name for p in showcase.PAGES])
def test_page_is_accessible_in_both_languages(browser, day, sessions, page, lang, zoom):
    base, ids = day
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE",
                                  storage_state=sessions[page.role] if page.role else None)
    try:
        tab = context.new_page()
        response = tab.goto(base + showcase.url(page, ids, lang))
        assert response is not None and response.status == page.status, \
            f"{page.path}: status {response.status if response else None}, expected {page.status}"
        if zoom:
            zoomed(tab)
        showcase.prepare(tab, page)
        problems = _problems(tab, page, lang, zoom)
        assert problems == [], f"{page.name} ({lang}, {'200 %' if zoom else '1366x768'}):\n" + "\n".join(problems)
    finally:
        context.close()
