"""The task page in headless Chromium: worked by keyboard alone with a visible focus, a next attempt in the past
refused with nothing lost, "save and next", a supervisor releasing a colleague's claim, forwarding back to the list,
the voice message's one play button and its state; axe clean at 1366x768 and at 200 %."""

from __future__ import annotations

import re
import wave
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from ivr.hotline import callbacks
from ivr.hotline import users
from ivr.hotline import worklist
from ivr.store.db import callbacks as callbacks_table
from tests.browser.conftest import VIEWPORT
from tests.browser.pages import axe_violations
from tests.browser.pages import shoot
from tests.browser.pages import zoomed
from tests.support.clock import berlin

pytestmark = pytest.mark.browser

SID = "RE" + "3" * 32
FOCUSED_VISIBLY = """() => { const s = getComputedStyle(document.activeElement);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'; }"""


@pytest.fixture(scope="module")
def tasks(accounts):
    """Five open tasks at zebera on Tuesday 10:00, by due time: first, waiting (next attempt tomorrow), ready (a
    stored voice message), held by Bert (a message still at Twilio, no account), gone (its message deleted)."""
    stack = accounts
    stack.clock.set("2026-11-24 10:00")
    now = stack.clock()
    names = ("first", "waiting", "ready", "held", "gone", "forwarded")  # forwarded: the forwarding test's own
    ids = {}
    with stack.engine.begin() as conn:
        for number, name in enumerate(names):
            ids[name], _ = callbacks.create(conn, "zebera", f"+49176000002{number:02d}", "de", f"CB{number:032d}",
                                            now, now + timedelta(hours=number + 1))
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == ids["waiting"])
                     .values(attempts=1, next_attempt_at=berlin("2026-11-25 09:00")))
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == ids["ready"])
                     .values(recording_sid=SID, recording_path=f"{ids['ready']}-{SID}.wav", recording_duration=3))
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == ids["held"])
                     .values(recording_sid=SID, recording_url="https://api.twilio.com/2010-04-01/Recordings/x"))
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == ids["gone"]).values(recording_sid=SID))
        bert = users.load(conn, users.user_id(conn, "bert"))
        worklist.claim(conn, callbacks.get(conn, ids["held"]), bert, now)
    folder = Path(stack.tmp) / "instance" / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    with wave.open(str(folder / f"{ids['ready']}-{SID}.wav"), "wb") as sound:  # three seconds of silence
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\0\0" * 8000 * 3)
    return ids


def _tab_to(page: Page, selector: str, limit: int = 80) -> list[str]:
    """Press Tab until `selector` has the focus; every stop on the way must show its focus. Returns the stops."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate("() => { const e = document.activeElement; return e.id || e.className || e.tagName; }")
        stops.append(stop)
        assert page.evaluate(FOCUSED_VISIBLY), f"no visible focus on {stop}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} not reached by Tab: {stops}")


def _accessible(page: Page) -> None:
    """axe-core finds nothing at 1366x768 and at 200 % zoom."""
    assert axe_violations(page) == []
    zoomed(page)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider at 200 %
    page.set_viewport_size(VIEWPORT)


def test_worked_by_keyboard_a_past_next_attempt_refused_then_save_and_next(login, tasks, accounts):
    anna = login("anna")
    anna.goto(f"{accounts.base}/staff/tasks/{tasks['first']}")
    _accessible(anna)  # a free task
    anna.reload()
    _tab_to(anna, "#claim")
    anna.keyboard.press("Enter")
    expect(anna.locator("dd .badge.mine")).to_have_text("Von Ihnen übernommen")
    _accessible(anna)  # claimed by me
    anna.reload()
    _tab_to(anna, "input[name=outcome]")
    anna.keyboard.press("ArrowDown")
    anna.keyboard.press("ArrowDown")  # the third outcome: not reached
    expect(anna.get_by_label("Nicht erreicht")).to_be_checked()
    _tab_to(anna, "#note")
    anna.keyboard.type("Mailbox voll")
    _tab_to(anna, "#next_at")
    anna.locator("#next_at").fill("2026-11-23T09:00")  # a day gone
    _tab_to(anna, "#save-attempt")
    anna.keyboard.press("Enter")
    expect(anna.get_by_role("alert")).to_have_text("Nächster Versuch Mo 23.11. 09:00 liegt in der Vergangenheit: "
                                                   "bitte einen späteren Zeitpunkt wählen. Nichts gespeichert.")
    expect(anna.locator("#next_at")).to_have_attribute("aria-invalid", "true")
    expect(anna.locator("#next_at")).to_have_value("2026-11-23T09:00")
    expect(anna.get_by_label("Nicht erreicht")).to_be_checked()
    expect(anna.get_by_label("Notiz", exact=True)).to_have_value("Mailbox voll")
    expect(anna.locator("dl")).to_contain_text("0 / 3")  # nothing saved
    assert axe_violations(anna) == []
    shoot(anna, "task-next-attempt-in-the-past")

    anna.locator("#next_at").fill("2026-11-24T15:00")
    anna.locator("#save-next").focus()
    anna.keyboard.press("Enter")  # saved; the waiting task is skipped, the one held by Bert too
    expect(anna).to_have_url(re.compile(rf"/staff/tasks/{tasks['ready']}$"))
    expect(anna.get_by_role("status").filter(has_text="Gespeichert.")).to_be_visible()
    with accounts.engine.connect() as conn:
        saved = callbacks.get(conn, tasks["first"])
    assert (saved["attempts"], saved["next_attempt_at"]) == (1, berlin("2026-11-24 15:00"))


def test_the_voice_message_is_one_tab_stop_to_play_with_its_state(login, tasks, accounts):
    anna = login("anna")
    anna.goto(f"{accounts.base}/staff/tasks/{tasks['ready']}")
    voice = anna.locator(".voice")
    expect(voice.locator(".voice-state")).to_have_text("bereit · 0:03 Min.")
    expect(voice.locator("audio")).not_to_have_attribute("controls", re.compile(".*"))
    stops = _tab_to(anna, ".voice-download")
    assert stops[-2:] == ["voice-play", "voice-download"]  # the player is one stop, then the download
    play = anna.get_by_role("button", name="Sprachnachricht abspielen")
    anna.keyboard.press("Shift+Tab")
    expect(play).to_be_focused()
    anna.keyboard.press("Enter")
    expect(anna.get_by_role("button", name="Sprachnachricht anhalten")).to_be_visible()
    anna.keyboard.press("Enter")
    expect(anna.get_by_role("button", name="Sprachnachricht abspielen")).to_be_visible()
    with anna.expect_download() as download:
        anna.get_by_role("link", name="Herunterladen").click()
    assert download.value.suggested_filename == f"sprachnachricht-{tasks['ready']}.wav"
    _accessible(anna)
    shoot(anna, "task-voice-ready")

    anna.goto(f"{accounts.base}/staff/tasks/{tasks['held']}")
    expect(anna.locator(".voice-state")).to_have_text("nicht verfügbar: kein Twilio-Konto eingerichtet")
    expect(anna.locator(".voice button, .voice a")).to_have_count(0)
    anna.goto(f"{accounts.base}/staff/tasks/{tasks['gone']}")
    expect(anna.locator(".voice-state")).to_have_text("gelöscht (Aufbewahrungsfrist)")
    anna.goto(f"{accounts.base}/staff/tasks/{tasks['ready']}?lang=en")
    expect(anna.locator(".voice-state")).to_have_text("ready · 0:03 min")
    expect(anna.get_by_role("button", name="Save and next task")).to_be_visible()
    expect(anna.get_by_role("button", name="Play voice message")).to_be_visible()
    assert axe_violations(anna) == []
    shoot(anna, "task-voice-ready-en")
    anna.goto(f"{accounts.base}/staff/tasks/{tasks['ready']}?lang=de")


def test_a_supervisor_releases_a_colleagues_claim_staff_cannot(login, tasks, accounts):
    url = f"{accounts.base}/staff/tasks/{tasks['held']}"
    anna = login("anna")
    anna.goto(url)
    expect(anna.locator("dd .badge.taken")).to_have_text("In Bearbeitung von Bert Becker")
    expect(anna.get_by_role("button", name=re.compile("aufheben"))).to_have_count(0)
    _accessible(anna)  # claimed by another
    token = anna.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = anna.request.post(f"{url}/release", form={"csrf_token": token}, max_redirects=0)
    assert forged.status == 409 and "Diese Aufgabe bearbeitet bereits Bert Becker." in forged.text()

    vera = login("vera")
    vera.goto(url)
    expect(vera.get_by_role("heading", name="Versuch eintragen")).to_have_count(0)
    release = vera.get_by_role("button", name="Übernahme von Bert Becker aufheben")
    expect(release).to_be_visible()
    _accessible(vera)  # as supervisor
    vera.reload()
    shoot(vera, "task-supervisor-release")
    _tab_to(vera, "#release-other")
    vera.keyboard.press("Enter")
    expect(vera.get_by_role("status").filter(has_text="Übernahme von Bert Becker aufgehoben.")).to_be_visible()
    expect(vera.locator("dd .badge.free")).to_be_visible()
    expect(vera.locator("#hist + table tbody tr").last).to_contain_text("Vera Vogel")
    expect(vera.get_by_role("button", name=re.compile("aufheben"))).to_have_count(0)


def test_forwarding_goes_back_to_the_desk_list(login, tasks, accounts):
    anna = login("anna")
    anna.goto(f"{accounts.base}/staff/tasks/{tasks['forwarded']}")
    anna.get_by_label("An die Stelle").select_option(label="Integration Point (Agentur für Arbeit)")
    anna.get_by_label("Notiz zur Weiterleitung").fill("Frage zur Arbeitserlaubnis")
    anna.get_by_role("button", name="Weiterleiten").click()
    expect(anna).to_have_url(re.compile(r"/staff/desks/zebera$"))
    expect(anna.get_by_role("status").filter(has_text="Weitergeleitet an Integration Point (Agentur für Arbeit)."))\
        .to_be_visible()
    expect(anna.get_by_role("heading", level=1)).not_to_have_text("Not Found")
