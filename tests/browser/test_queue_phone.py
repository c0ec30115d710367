"""The operators' browser phone at a live-queue desk: simulated people at the information desk, an Arabic caller
hears place and the press-1 offer, the Arabic speaker is offered the call and answers; pressing 1 while waiting
leads into the callback capture."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page
from playwright.sync_api import expect

from ivr.hotline import users
from tests.browser.conftest import PASSWORD
from tests.browser.pages import axe_violations
from tests.browser.pages import signed_in

pytestmark = pytest.mark.browser
PROMPTS = yaml.safe_load((Path(__file__).resolve().parents[2] / "flows" / "prompts.yaml").read_text())["prompts"]
SHOTS = "/tmp/h6-queue-phone-{}.png"


@pytest.fixture(scope="module")
def operator(stack):
    with stack.engine.begin() as conn:
        users.create(conn, "otto", PASSWORD, "operator", datetime.now(UTC), display_name="Otto Operator")
    return stack


@pytest.fixture
def phone(browser, operator):
    """The simulator page of a German-speaking operator, set for an Arabic call on an open Tuesday morning with
    a German and an Arabic speaker at the information desk."""
    context, page = signed_in(browser, operator.base, "otto", then="/operator/simulator")
    page.wait_for_url("**/operator/simulator")
    page.locator("#sim-speak").uncheck()  # the transcript is what is checked; nobody listens in a headless run
    page.locator("#sim-lang").select_option("ar")
    page.locator("#sim-at").fill("2026-11-24 10:00")
    page.get_by_label("Personen an Warteschlangen-Stellen").fill("info:de,ar")
    yield page
    context.close()


def _queue(page: Page) -> None:
    """Call and ask for a person (0 in the "who is calling" menu): the information desk, its Arabic queue."""
    page.get_by_role("button", name="Anrufen").click()
    zero = page.locator(".key[data-key='0']")
    expect(zero).to_be_enabled()
    zero.click()
    transcript = page.locator("#transcript")
    expect(transcript.locator("li.dial", has_text="Warteschlange")).to_have_text(
        ["⇢ wartet in der Warteschlange info-ar"])
    expect(transcript).to_contain_text(PROMPTS["queue_no_estimate"]["ar"])
    expect(transcript).to_contain_text(PROMPTS["queue_offer"]["ar"])
    expect(page.locator("#sim-wait")).to_be_enabled()  # hold music: the operator may let it play on


def _in_view(page: Page, selector: str) -> None:
    """Nothing of the phone's card wider than the page: no sideways scrolling at 1366 px."""
    wide = page.locator(selector).evaluate_all(
        "els => els.filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".map(e => e.outerHTML.slice(0, 80))")
    assert wide == []


def test_an_arabic_caller_waits_and_the_arabic_speaker_answers(phone):
    _queue(phone)
    lines = phone.locator("#transcript ul.said > li")  # a line, not the numbered step holding it
    queued = lines.filter(has_text="wartet in der Warteschlange")
    expect(queued).to_have_count(1)
    heard = phone.locator("#transcript li.heard[lang='ar']")
    expect(heard.filter(has_text=PROMPTS["queue_offer"]["ar"])).to_have_count(1)
    phone.screenshot(path=SHOTS.format("waiting"))

    phone.get_by_role("button", name="Nichts drücken").click()
    ending = phone.locator("#ending")
    expect(ending).to_have_text("Ende des Anrufs: angenommen von sim-info-ar – Allgemeine Information, Warteschlange")
    # what happened beside the caller's ear is in the interface language, as is the whisper the person hears
    offered = lines.filter(has_text="☏")
    expect(offered).to_have_count(1)  # only the Arabic speaker was offered the call
    expect(offered).to_contain_text("☏ sim-info-ar (ar) bekommt den Anruf angeboten: «Hotline, Allgemeine "
                                    "Information, Arabisch, wartet seit")
    expect(lines.filter(has_text="✓")).to_have_text(
        ["✓ sim-info-ar drückt die 1: angenommen nach 15 s in der Warteschlange"])
    for button in ("#sim-wait", "#sim-hangup", ".key[data-key='1']"):
        expect(phone.locator(button)).to_be_disabled()
    _in_view(phone, "#phone, #phone *")
    phone.screenshot(path=SHOTS.format("answered"), full_page=True)
    phone.locator("#transcript").screenshot(path=SHOTS.format("answered-transcript"))
    assert axe_violations(phone) == []


def test_pressing_1_while_waiting_leads_into_the_callback_capture(phone):
    _queue(phone)
    phone.locator(".key[data-key='1']").click()
    transcript = phone.locator("#transcript")
    expect(transcript.locator("p.act").last).to_have_text("Anrufer: drückt die Taste 1")
    choice = PROMPTS["cb_choice"]["ar"].split("{digits}")[0].strip()
    expect(transcript.locator("li.heard[lang='ar']").last).to_contain_text(choice)
    expect(transcript).not_to_contain_text(PROMPTS["cb_offer"]["ar"])  # pressing 1 needs no "we can call you back"
    expect(transcript.locator("li.note", has_text="aus der Warteschlange")).to_have_text(
        ["⇠ aus der Warteschlange nach 0 s (QueueResult leave)"])
    expect(phone.locator(".key[data-key='2']")).to_be_enabled()  # the number choice waits for 1 or 2
    expect(phone.locator("#ending")).to_have_text("")
    _in_view(phone, "#phone, #phone *")
    phone.screenshot(path=SHOTS.format("callback"), full_page=True)
    phone.locator("#transcript").screenshot(path=SHOTS.format("callback-transcript"))

    phone.locator(".key[data-key='1']").click()  # this number
    transcript_items = transcript.locator("li.heard[lang='ar']")
    expect(transcript_items.last).to_contain_text(PROMPTS["cb_window"]["ar"].split("،")[0])  # when to call back
    expect(phone.locator(".key[data-key='3']")).to_be_enabled()
    phone.locator(".key[data-key='3']").click()  # any time
    expect(transcript_items.last).to_contain_text(PROMPTS["cb_sms"]["ar"].split("،")[0])  # a mobile: the SMS offer
    expect(phone.locator(".key[data-key='2']")).to_be_enabled()
    phone.locator(".key[data-key='2']").click()  # no SMS
    expect(transcript_items.last).to_contain_text(PROMPTS["consent"]["ar"].split(".")[0])
    expect(phone.locator(".key[data-key='2']")).to_be_enabled()  # a voice message? 2: no
    phone.locator(".key[data-key='2']").click()  # the task is made and the hotline says goodbye
    expect(phone.locator("#ending")).to_have_text(
        "Ende des Anrufs: Rückrufauftrag für Allgemeine Information, Rückruf an 0176 1234 5678")
