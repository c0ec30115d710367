"""Supervisors: the desk overview (aggregates only) and search by phone number."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from ivr.store.db import audit_log
from ivr.store.db import calls
from ivr.web.supervisors.views import normalise


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0176 1234 5678", "+4917612345678"),
        ("+49 (176) 12345678", "+4917612345678"),
        ("0043 664 1234567", "+436641234567"),
        ("12", None),
        ("hallo", None),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_search_finds_open_and_closed_tasks_in_own_desks(people, make_task, engine):
    mine = make_task(phone="+4917612345678")
    other_desk = make_task(desk="info", phone="+4917612345678")
    anna = people("anna")
    anna.post(f"/staff/tasks/{mine}/attempt", {"outcome": "reached_resolved"})
    vera = people("vera", role="supervisor", desks=("zebera",))
    html = vera.get("/staff/search?phone=0176+1234+5678").get_data(as_text=True)
    assert f"#{mine}" in html and f"#{other_desk}" not in html
    assert "erledigt" in html
    assert "keine gültige" in vera.get("/staff/search?phone=abc").get_data(as_text=True)
    with engine.connect() as conn:
        entry = (
            conn.execute(sa.select(audit_log).where(audit_log.c.action == "search.phone")).mappings().one()
        )
    assert entry["actor"] == "vera" and "176" not in (entry["detail"] or "") + (entry["target"] or "")


def test_overview_counts_per_desk(people, make_task, engine, clock):
    make_task(due_in_hours=-2, received_hours_ago=30)
    make_task(phone="+4917600000001")
    make_task(desk="info", phone="+4917600000002")
    with engine.begin() as conn:
        for n, day in enumerate(("2026-11-24", "2026-11-24", "2026-11-23")):
            conn.execute(
                calls.insert().values(
                    call_sid=f"CA{n}",
                    desk="zebera",
                    local_date=date.fromisoformat(day),
                    path="[]",
                    status_rank=0,
                    created_at=clock(),
                    updated_at=clock(),
                )
            )
    vera = people("vera", role="supervisor", desks=("zebera",))
    html = vera.get("/staff/overview").get_data(as_text=True)
    cells = re.findall(
        r'<th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th>\s*<td class="num">(\d+)</td>\s*'
        r'<td class="num">(?:<span class="badge late">)?(\d+)(?:</span>)?</td>\s*<td>[^<]*</td>\s*'
        r'<td class="num">(\d+)</td>',
        html,
    )
    figures = {name: tuple(map(int, numbers)) for name, *numbers in cells}
    assert figures["zebera (Jobcenter)"] == (2, 1, 2)
    assert figures["Allgemeine Information"] == (1, 0, 0)
    assert "Mo 23.11. 04:00" in html  # the oldest waiting task: received 30 hours before Tuesday 10:00
    assert "+49176" not in html
