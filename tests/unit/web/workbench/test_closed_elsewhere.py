"""Tasks closed without the workbench (JSON API, `ivr callbacks close`) look closed in the workbench too."""

from __future__ import annotations

import re

import sqlalchemy as sa

from ivr.store.db import audit_log
from ivr.store.db import callbacks
from ivr.store.db import task_claims
from ivr.store.db import task_history


def _state(engine, task_id):
    with engine.connect() as conn:
        task = conn.execute(sa.select(callbacks.c.status, callbacks.c.outcome, callbacks.c.closed_at)
                            .where(callbacks.c.id == task_id)).one()
        history = conn.execute(sa.select(task_history.c.actor, task_history.c.kind, task_history.c.outcome)
                               .where(task_history.c.callback_id == task_id).order_by(task_history.c.id)).all()
        claims = conn.execute(sa.select(sa.func.count()).select_from(task_claims)
                              .where(task_claims.c.callback_id == task_id)).scalar()
    return tuple(task), [tuple(h) for h in history], claims


def test_api_closes_a_claimed_task_once_and_staff_see_why(people, make_task, api, engine, clock):
    task = make_task()
    anna = people("anna", display_name="Anna A")
    anna.post(f"/staff/tasks/{task}/claim")
    clock.advance(minutes=3)
    response = api.patch(f"/api/callbacks/{task}", json={"status": "closed", "outcome": "withdrawn"})
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["outcome"]) == ("closed", "withdrawn")
    (status, outcome, closed_at), history, claims = _state(engine, task)
    assert (status, outcome, closed_at) == ("closed", "withdrawn", clock())
    assert history == [("anna", "claim", None), ("api:bootstrap", "close", "withdrawn")] and claims == 0
    page = anna.get(f"/staff/tasks/{task}").get_data(as_text=True)
    assert "geschlossen (zurückgezogen)" in page
    rows = re.findall(r"<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", page[page.index('id="hist"'):])
    assert ("Schnittstelle (bootstrap)", "geschlossen: zurückgezogen") in [(who, what.strip()) for _, who, what in rows]

    clock.advance(minutes=3)  # a repeat (or a late second system) changes nothing: the first outcome stands
    again = api.patch(f"/api/callbacks/{task}", json={"status": "closed", "outcome": "duplicate"})
    assert again.status_code == 200 and again.get_json()["outcome"] == "withdrawn"
    assert _state(engine, task) == ((status, outcome, closed_at), history, 0)


def test_api_refuses_what_it_cannot_do_and_changes_nothing(make_task, api, engine):
    task = make_task()
    before = _state(engine, task)
    for body, code in (({"status": "open"}, 400), ({"status": "closed", "outcome": "bogus"}, 400), ([], 400)):
        response = api.patch(f"/api/callbacks/{task}", json=body)
        assert response.status_code == code and response.get_json()["message"], body
    assert api.patch("/api/callbacks/999999", json={"status": "closed"}).status_code == 404
    assert _state(engine, task) == before
    with engine.connect() as conn:
        assert conn.execute(sa.select(audit_log.c.action).where(audit_log.c.action == "callback.close")).all() == []


def test_every_outcome_a_task_can_close_with_reads_well_in_both_languages(people, make_task, api, engine):
    from ivr.hotline.callbacks import CLOSE_OUTCOMES
    from ivr.web.i18n import catalog

    anna = people("anna", role="admin")
    for n, outcome in enumerate(sorted(CLOSE_OUTCOMES)):
        task = make_task(phone=f"+49176123456{n:02d}")
        assert api.patch(f"/api/callbacks/{task}", json={"status": "closed", "outcome": outcome}).status_code == 200
        assert _state(engine, task)[0][:2] == ("closed", outcome)
        for lang in ("de", "en"):
            page = anna.get(f"/staff/tasks/{task}?lang={lang}").get_data(as_text=True)
            closed, said = catalog(lang)["closed"], catalog(lang).get(f"o_{outcome}")
            assert said and f"{closed} ({said})" in page, (outcome, lang)  # the status and the outcome set
            assert f"o_{outcome}" not in page, (outcome, lang)
