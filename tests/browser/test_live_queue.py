"""The live queue in Chromium: a person of the information desk sets Verfügbar in the top bar, an Arabic-speaking
caller waits, the supervisor's live page shows them without a reload (no phone number anywhere), the worker offers
the call to the person's phone (Twilio's REST stand-in records it), and the offer not taken in time pauses the
person, whose top bar says why."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from playwright.sync_api import expect

from ivr.hotline import queueing
from ivr.hotline import users
from ivr.store import jobqueue
from tests.browser.conftest import PASSWORD
from tests.browser.conftest import running_stack
from tests.browser.pages import axe_violations
from tests.factories import TOKEN
from tests.unit.workers.twilio_standin import TwilioStandIn

pytestmark = pytest.mark.browser
ACCOUNT = "AC" + "3" * 32
INES = "+4915190000001"
"""The person's own phone: rung by the worker, never shown on a page."""
CALLER = "CA" + "7" * 32
SHOTS = "/tmp/h3-live-queue-{}.png"


@pytest.fixture(scope="module")
def twilio():
    with TwilioStandIn(ACCOUNT, TOKEN) as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def stack(tmp_path_factory, database_url, redis_url, twilio):
    """The browser tests' web server and worker, whose REST calls go to the stand-in."""
    yield from running_stack(tmp_path_factory, database_url, redis_url, IVR_PUBLIC_URL="https://hotline.example.org",
                             TWILIO_API_BASE=twilio.url, TWILIO_ACCOUNT_SID=ACCOUNT)


@pytest.fixture(scope="module")
def ines(accounts):
    with accounts.engine.begin() as conn:
        users.create(conn, "ines", PASSWORD, "staff", datetime.now(UTC), display_name="Ines Idrissi",
                     languages=("de", "ar"), phone=INES)
        users.add_desk(conn, "ines", "info")
    return accounts


def _card(page):
    return page.locator('section[data-desk="info"]')


def test_a_waiting_caller_reaches_the_live_page_and_the_available_person(login, ines, twilio):
    stack = ines
    person = login("ines")
    status = person.locator("#status-now")
    expect(status).to_have_text("Abgemeldet")
    person.get_by_role("button", name="Verfügbar").click()
    expect(status).to_have_text("Verfügbar")
    expect(person.get_by_role("button", name="Verfügbar")).to_have_attribute("aria-pressed", "true")
    person.screenshot(path=SHOTS.format("1-available"))

    supervisor = login("vera")
    supervisor.goto(stack.base + "/live/")
    card = _card(supervisor)
    expect(card.locator('[data-field="waiting"]')).to_have_text("0")
    expect(card.locator('[data-field="agents.available"]')).to_have_text("1")
    # vera oversees the helpers' queue without a phone number: her own Verfügbar is locked, and says why
    expect(supervisor.get_by_role("button", name="Verfügbar")).to_be_disabled()
    expect(supervisor.locator("#status-no-phone")).to_contain_text("Keine Telefonnummer")

    with stack.engine.begin() as conn:  # the caller's side (helper 1's webhook) joins and asks for the dispatch
        queueing.join(conn, CALLER, "info", "ar", stack.clock())
    import redis

    jobqueue.request_dispatch(redis.Redis.from_url(stack.env["REDIS_URL"]), "info")
    offers = stack.eventually(twilio.offers, lambda calls: len(calls) == 1)
    assert offers[0].params["To"] == INES and offers[0].query["u"]
    stack.clock.set("2026-11-24 10:00:15")  # 15 s into the wait: within the offer's 20 s

    expect(card.locator('[data-field="waiting"]')).to_have_text("1", timeout=12_000)  # polled, no reload
    expect(card.locator(".live-languages")).to_have_text("Arabisch: 1")
    expect(card.locator('[data-field="longest_wait"]')).to_have_text("0:15")
    expect(card.locator('[data-field="agents.busy"]')).to_have_text("1")
    expect(card.locator('[data-field="agents.available"]')).to_have_text("0")
    supervisor.screenshot(path=SHOTS.format("2-live-waiting"), full_page=True)
    shown = supervisor.content()
    assert INES not in shown and INES[1:] not in shown and CALLER not in shown and "Ines" not in shown

    expect(status).to_have_text("Im Gespräch", timeout=20_000)  # the top bar asks every 15 s
    person.screenshot(path=SHOTS.format("3-offered"))

    stack.clock.set("2026-11-24 10:00:45")  # nobody pressed 1: the sweep takes the offer back
    expect(status).to_have_text("Pause – Anruf verpasst", timeout=25_000)
    person.screenshot(path=SHOTS.format("4-missed"))
    expect(card.locator('[data-field="agents.paused"]')).to_have_text("1", timeout=12_000)
    expect(card.locator('[data-field="today.offers_missed"]')).to_have_text("1")
    expect(card.locator('[data-field="waiting"]')).to_have_text("1")
    expect(card.locator('[data-field="longest_wait"]')).to_have_text("0:45")
    supervisor.screenshot(path=SHOTS.format("5-live-missed"), full_page=True)
    assert INES not in supervisor.content()
    assert axe_violations(supervisor) == []
    assert axe_violations(person) == []
