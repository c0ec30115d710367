"""Headless Chromium (Debian's package, driven by Playwright) against gunicorn and `ivr worker` processes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

from ivr.hotline import users
from ivr.store import db
from tests.browser.pages import PASSWORD  # noqa: F401 - the test modules import it from here
from tests.browser.pages import VIEWPORT  # noqa: F401
from tests.browser.pages import signed_in
from tests.e2e.conftest import Stack
from tests.support.stores import empty_stores

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]



def running_stack(tmp_path_factory, database_url: str, redis_url: str, **env: str):
    """A web server and worker on emptied tables and Redis (extra environment given), stopped when done."""
    engine = db.make_engine(database_url)
    empty_stores(engine, redis_url)
    stack = Stack(tmp_path_factory.mktemp("browser"), database_url, redis_url)
    stack.env.update(env)
    stack.base = stack.base.replace("127.0.0.1", "localhost")  # a secure context: Secure cookies over http
    stack.engine = engine
    stack.start()
    yield stack
    stack.stop()
    engine.dispose()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, database_url, redis_url):
    """One web server and worker for the module, on emptied tables and Redis."""
    yield from running_stack(tmp_path_factory, database_url, redis_url)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def accounts(stack):
    """Staff of zebera (anna, bert), of the integration point (carl), a Jobcenter supervisor (vera)."""
    from datetime import UTC
    from datetime import datetime

    now = datetime.now(UTC)
    with stack.engine.begin() as conn:
        for name, role, desks, langs, display in (
            ("anna", "staff", ("zebera",), ("de", "en"), "Anna Arslan"),
            ("bert", "staff", ("zebera",), ("de",), "Bert Becker"),
            ("carl", "staff", ("integration_point",), ("de",), "Carl Cetin"),
            ("vera", "supervisor", ("zebera", "helpers"), ("de",), "Vera Vogel"),
        ):
            users.create(conn, name, PASSWORD, role, now, display_name=display, languages=langs)
            for desk in desks:
                users.add_desk(conn, name, desk)
    return stack


@pytest.fixture
def login(browser, accounts):
    """`login("anna")` opens a fresh browser context, logs in and returns the page."""
    contexts = []

    def open_as(username: str) -> Page:
        context, page = signed_in(browser, accounts.base, username)
        contexts.append(context)
        page.wait_for_url("**/staff/**")
        return page

    yield open_as
    for context in contexts:
        context.close()
