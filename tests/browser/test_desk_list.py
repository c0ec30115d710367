"""The desk list as a day's work meets it in headless Chromium at 1366x768: 38 open callbacks on one desk, ten and
more on the screen, the count, the choices and orders as bookmarkable links, keyboard-only with a visible focus."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ivr.hotline import callbacks
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import task_claims
from ivr.store.db import users
from tests.browser.pages import axe_violations
from tests.browser.pages import shoot
from tests.browser.pages import zoomed

pytestmark = pytest.mark.browser

OPEN = 38
LATER = (3, 8, 15, 21, 30)
"""Tasks whose next attempt is set for Monday (the spacing after a failed attempt)."""
LANGUAGES = ("de", "ar", "tr", "uk", "fa", "en", "ru")
MESSAGES = (1, 2, 9)
"""Tasks with a voice message: stored here (ready), deleted by the retention rules, its file lost."""


@pytest.fixture(scope="module")
def seeded(accounts):
    """38 open callbacks at zebera on Wednesday 2 December 2026, 09:00; two claimed by anna, one by bert."""
    stack = accounts
    stack.clock.set("2026-12-02 09:00")
    now = stack.clock()
    ids = []
    with stack.engine.begin() as conn:
        staff = dict(conn.execute(sa.select(users.c.username, users.c.id)
                                  .where(users.c.username.in_(("anna", "bert")))).all())
        for n in range(OPEN):
            phone = f"+4915100000{n:03d}" if n % 5 else f"+90532123{n:04d}"
            task_id, _ = callbacks.create(conn, "zebera", phone, LANGUAGES[n % len(LANGUAGES)], f"CA{n:032d}",
                                          now - timedelta(hours=40 - n), now + timedelta(hours=n - 4),
                                          window=("morning", "afternoon", "any")[n % 3])
            values = {}
            if n in LATER:
                values.update(attempts=1, next_attempt_at=now + timedelta(days=5, hours=-1))  # Monday 08:00
            if n == 1:
                stored = stack.tmp / "instance" / "recordings" / f"{task_id}-RE{n}.wav"
                stored.parent.mkdir(parents=True, exist_ok=True)
                stored.write_bytes(b"RIFF-test")
                values["recording_path"] = stored.name
            elif n == 2:
                values["recording_sid"] = f"RE{n:032d}"  # deleted: the sid stays, the message is gone
            elif n == 9:
                values["recording_path"] = f"{task_id}-lost.wav"
            if values:
                conn.execute(callbacks_table.update().where(callbacks_table.c.id == task_id).values(**values))
            ids.append(task_id)
        for n, holder in ((4, "anna"), (6, "anna"), (7, "bert")):
            conn.execute(task_claims.insert().values(callback_id=ids[n], user_id=staff[holder], claimed_at=now))
    return ids


def _rows(page):
    return page.locator("table.tasks tbody tr")


def test_ten_and_more_tasks_fit_on_a_laptop_screen_in_rows_of_at_most_two_lines(login, seeded):
    anna = login("anna")
    expect(anna).to_have_url(re.compile(r"/staff/desks/zebera$"))
    expect(anna.get_by_role("heading", level=1)).to_have_text(f"Offene Rückrufe: zebera (Jobcenter) {OPEN}")
    expect(_rows(anna)).to_have_count(OPEN)
    boxes = anna.evaluate("""() => [...document.querySelectorAll('table.tasks tbody tr')].map(row => {
        const box = row.getBoundingClientRect(); return [box.top, box.bottom, box.height]; })""")
    visible = [box for box in boxes if box[0] >= 0 and box[1] <= 768]
    assert len(visible) >= 10, boxes[:12]
    line = anna.evaluate("parseFloat(getComputedStyle(document.querySelector('table.tasks td')).lineHeight)")
    assert max(height for _top, _bottom, height in boxes) < 2 * line + 16  # two lines and the cell padding
    assert anna.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert anna.evaluate("(box => box.scrollWidth <= box.clientWidth)(document.querySelector('.table-scroll'))")
    first = _rows(anna).first
    expect(anna.get_by_role("link", name="0151 0000 0001", exact=True)).to_have_count(1)  # German: as dialled here
    expect(anna.get_by_role("link", name="+90 532 123 00 05", exact=True)).to_have_count(1)  # others: internationally
    expect(first.locator("td.due")).to_contain_text(re.compile(r"^(heute|Do|Fr) \d\d:00|^(Do|Fr) \d\d\.12\. \d\d:00"))
    expect(first.locator("td.due")).to_contain_text(re.compile(r"· \d+ Std\.|überfällig"))
    shoot(anna, "desk-list-38")
    assert axe_violations(anna) == []
    zoomed(anna)
    shoot(anna, "desk-list-38-zoomed")
    assert anna.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the table scrolls, not the page
    assert axe_violations(anna) == []


def test_tasks_waiting_for_a_later_attempt_go_below_those_workable_now(login, seeded):
    anna = login("anna")
    hints = [text.strip() for text in _rows(anna).locator("td.due").all_inner_texts()]
    later = [n for n, text in enumerate(hints) if "nächster Versuch" in text]
    assert later and later == list(range(later[0], OPEN))  # one block at the bottom
    assert sum("nächster Versuch: Mo 07.12. 08:00" in hints[n] for n in later) == len(LATER)  # Monday: below


def test_choices_and_orders_are_links_that_keep_each_other_and_say_which_is_on(login, seeded, accounts):
    anna = login("anna")
    choices = anna.get_by_role("navigation", name="Rückrufe zeigen")
    expect(choices.get_by_role("link", name=re.compile(r"^alle \d+$"))).to_have_attribute("aria-current", "page")
    mine = choices.get_by_role("link", name="von mir übernommen 2")
    mine.click()
    expect(anna).to_have_url(re.compile(r"\?show=mine$"))
    expect(choices.get_by_role("link", name="von mir übernommen 2")).to_have_attribute("aria-current", "page")
    expect(_rows(anna)).to_have_count(2)
    expect(_rows(anna).locator(".badge.mine")).to_have_count(2)
    anna.get_by_role("link", name="Eingang").click()
    expect(anna).to_have_url(re.compile(r"show=mine&sort=received$"))
    expect(anna.get_by_role("columnheader", name="Eingang")).to_have_attribute("aria-sort", "ascending")
    expect(_rows(anna)).to_have_count(2)
    anna.get_by_role("link", name="English", exact=True).click()  # the language switch keeps the choice and order
    expect(anna).to_have_url(re.compile(r"show=mine&sort=received&lang=en$|lang=en&show=mine&sort=received$"))
    expect(anna.get_by_role("link", name="claimed by me 2")).to_have_attribute("aria-current", "page")
    anna.get_by_role("link", name="Deutsch", exact=True).click()

    now_link = choices.get_by_role("link", name=re.compile(r"^fällig jetzt \d+$"))
    count = int(now_link.inner_text().split()[-1])
    now_link.click()
    expect(anna).to_have_url(re.compile(r"show=now&sort=received$"))  # the order stays
    expect(_rows(anna)).to_have_count(count)
    expect(_rows(anna).locator(".next-attempt")).to_have_count(0)
    languages = choices.get_by_role("link", name=re.compile(r"^meine Sprachen \d+$"))
    languages.click()
    spoken = {"Deutsch", "English"}  # anna speaks de and en
    assert {text.strip() for text in _rows(anna).locator("td:nth-child(2) > span[lang]").all_inner_texts()} == spoken

    anna.goto(accounts.base + "/staff/desks/zebera?show=now&lang=en")  # a bookmark, in English
    expect(anna.get_by_role("heading", level=1)).to_contain_text(f"zebera (Jobcenter, refugees) {OPEN}")
    expect(anna.get_by_role("link", name=re.compile(r"^due now \d+$"))).to_have_attribute("aria-current", "page")
    expect(_rows(anna).first.locator("td.due")).to_contain_text(re.compile(r"^today \d\d:00|^(Thu|Fri) \d+ Dec"))
    shoot(anna, "desk-list-due-now-en")
    assert axe_violations(anna) == []


def test_a_voice_message_is_one_link_to_the_task_and_no_player(login, seeded):
    anna = login("anna")
    expect(anna.locator("table.tasks audio")).to_have_count(0)
    voice = anna.locator("table.tasks a.voice")
    expect(voice).to_have_count(len(MESSAGES))
    for phone, link, state in (("0151 0000 0001", "▶ Nachricht", ""), ("0151 0000 0002", "Nachricht", "gelöscht"),
                               ("0151 0000 0009", "Nachricht", "nicht verfügbar")):
        row = _rows(anna).filter(has=anna.get_by_role("link", name=phone, exact=True))
        expect(row.locator("a.voice")).to_have_text(f"{link} · {phone}")  # the number for a screen reader's list
        expect(row.locator("td").nth(6)).to_have_text(f"{link} · {phone}{state}")
        expect(row.locator("a, button, audio, [tabindex]")).to_have_count(2)  # the task and its message
    anna.locator("a.voice-ready").click()
    expect(anna).to_have_url(re.compile(r"/staff/tasks/\d+#message$"))


def _focus_ring(page) -> bool:
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return parseFloat(s.outlineWidth) > 0 && s.outlineStyle !== 'none'
            || (s.boxShadow && s.boxShadow !== 'none'); }""")


def test_keyboard_only_from_the_top_to_a_task_with_a_visible_focus_everywhere(login, seeded):
    anna = login("anna")
    reached = []
    for _ in range(40):
        anna.keyboard.press("Tab")
        focused = anna.evaluate("""() => { const e = document.activeElement;
            return [e.tagName, e.id || '', e.className || '', e.textContent.trim().slice(0, 40)]; }""")
        assert _focus_ring(anna), focused
        reached.append(focused)
        if "tasklink" in focused[2]:
            break
    ids = [focused[1] for focused in reached]
    assert "show-now" in ids and "show-mine" in ids and "sort-received" in ids
    assert "tasklink" in reached[-1][2], reached
    anna.keyboard.press("Enter")
    expect(anna).to_have_url(re.compile(r"/staff/tasks/\d+$"))


def test_the_staff_home_lists_the_desks_with_their_counts(login, seeded):
    vera = login("vera")  # two desks: the home page lists them
    expect(vera).to_have_url(re.compile(r"/staff/$"))
    row = vera.locator("table tbody tr").filter(has_text="zebera")
    expect(row.locator("td.num").first).to_have_text(str(OPEN))
    expect(vera.get_by_role("columnheader", name="Fällig jetzt")).to_be_visible()
    ready = row.locator("td.num").nth(1)
    count = int(ready.inner_text())
    assert 0 < count < OPEN  # the tasks waiting for Monday or a window do not count
    ready.get_by_role("link").click()
    expect(vera).to_have_url(re.compile(r"/staff/desks/zebera\?show=now$"))
    expect(_rows(vera)).to_have_count(count)
    vera.go_back()
    assert axe_violations(vera) == []
    zoomed(vera)
    assert axe_violations(vera) == []
    vera.goto(vera.url.split("?")[0] + "?lang=en")
    assert axe_violations(vera) == []
