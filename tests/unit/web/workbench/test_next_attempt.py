"""The desk list tells when the next attempt may be made: the spacing after the last one, inside the desk's hours
and the caller's window; nothing when now suits."""

from __future__ import annotations

import re

from ivr.store.db import callbacks as callbacks_table
from tests.support.clock import berlin


def _hints(page: str) -> list[str]:
    return re.findall(r'class="small next-attempt">[^<]*: (\w+ [0-9.: ]+)</span>', page)


def test_the_list_tells_when_the_next_attempt_may_be_made(people, make_task, engine, clock):
    clock.set("2026-11-27 14:00")  # Friday afternoon
    morning = make_task(phone="+4917600000001")
    spaced = make_task(phone="+4917600000002", due_in_hours=25)
    free = make_task(phone="+4917600000003", due_in_hours=26)
    with engine.begin() as conn:
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == morning).values(window="morning"))
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == spaced)
                     .values(attempts=1, next_attempt_at=berlin("2026-11-27 15:30")))
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == free)
                     .values(attempts=1, next_attempt_at=berlin("2026-11-27 13:00"), window="afternoon"))
    page = people("anna").get("/staff/desks/zebera").get_data(as_text=True)
    # due order: the morning caller on Monday morning, the spaced one at 15:30, the third now (no hint)
    assert _hints(page) == ["Mo 30.11. 08:00", "heute 15:30"]
    clock.set("2026-11-27 15:45")
    assert _hints(people("bert").get("/staff/desks/zebera").get_data(as_text=True)) == ["Mo 30.11. 08:00"]
