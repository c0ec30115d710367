"""The desk list's choices and orders from the address: counts per choice, the chosen one marked, anything unknown
read as the default."""

from __future__ import annotations

import re

from ivr.store.db import callbacks
from tests.support.clock import berlin


def _phones(html: str) -> list[str]:
    return re.findall(r'class="tasklink phone">([^<]+)</a>', html)


def test_choices_count_and_filter_and_an_unknown_one_shows_all(people, make_task, engine):
    mine = make_task(phone="+4917600000001", language="ar")
    later = make_task(phone="+4917600000002", due_in_hours=1)
    make_task(phone="+4917600000003", due_in_hours=30, received_hours_ago=5)
    with engine.begin() as conn:  # tried once, the next attempt on Monday
        conn.execute(callbacks.update().where(callbacks.c.id == later)
                     .values(attempts=1, next_attempt_at=berlin("2026-11-30 08:00")))
    anna = people("anna", languages=("de",))
    anna.post(f"/staff/tasks/{mine}/claim")
    html = anna.get("/staff/desks/zebera").get_data(as_text=True)
    assert '<span class="count" id="open-count">3</span>' in html
    counts = dict(re.findall(r'id="show-(\w+)"[^>]*>[^<]*<span class="n">(\d+)</span>', html))
    assert counts == {"all": "3", "now": "2", "languages": "2", "mine": "1"}
    assert _phones(html) == ["0176 0000 0001", "0176 0000 0003", "0176 0000 0002"]  # Monday's below
    assert re.search(r'id="show-all"\s+aria-current="page"', html)
    assert _phones(anna.get("/staff/desks/zebera?show=now").get_data(as_text=True)) == [
        "0176 0000 0001", "0176 0000 0003"]
    assert _phones(anna.get("/staff/desks/zebera?show=languages").get_data(as_text=True)) == [
        "0176 0000 0003", "0176 0000 0002"]
    chosen = anna.get("/staff/desks/zebera?show=mine&sort=received").get_data(as_text=True)
    assert _phones(chosen) == ["0176 0000 0001"]
    assert re.search(r'id="show-mine"\s+aria-current="page"', chosen)
    assert 'href="/staff/desks/zebera?show=now&amp;sort=received"' in chosen  # a choice keeps the order
    assert 'href="/staff/desks/zebera?show=mine&amp;sort=window"' in chosen  # an order keeps the choice
    by_received = anna.get("/staff/desks/zebera?sort=received").get_data(as_text=True)
    assert _phones(by_received) == ["0176 0000 0003", "0176 0000 0001", "0176 0000 0002"]
    odd = anna.get("/staff/desks/zebera?show=%3Cscript%3E&sort=x")
    assert odd.status_code == 200 and len(_phones(odd.get_data(as_text=True))) == 3
