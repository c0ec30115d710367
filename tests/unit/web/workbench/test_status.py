"""The status control in the workbench's top bar: Verfügbar, Pause, Abgemeldet; what the service set, shown with why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users
from ivr.store import jobqueue
from ivr.store.db import audit_log
from ivr.web.workbench import status as status_view
from tests.support.livequeue import PHONES

ANNA = PHONES["anna"]


@pytest.fixture(autouse=True)
def requested(monkeypatch):
    """The desks whose dispatch was asked for (recorded instead of queued: the worker's side is tested there)."""
    desks: list[str] = []
    monkeypatch.setattr(jobqueue, "request_dispatch", lambda conn, desk: desks.append(desk), raising=False)
    return desks


def _id(engine, name: str) -> int:
    with engine.connect() as conn:
        return users.user_id(conn, name)


def _now(engine, clock, name: str = "anna") -> presence.Presence:
    with engine.connect() as conn:
        return presence.current(conn, _id(engine, name), clock())


def _bar(person, url: str = "/staff/") -> str:
    html = person.get(url, follow_redirects=True).get_data(as_text=True)
    start = html.find('id="status-control"')
    return html[start:html.find("</form>", start)] if start >= 0 else ""


def test_a_person_of_a_queue_desk_sets_available_and_the_dispatch_is_asked(people, engine, clock, requested):
    anna = people("anna", desks=("info", "zebera"), phone=ANNA)
    bar = _bar(anna)
    assert "Abgemeldet" in bar and 'value="available"' in bar and "disabled" not in bar
    response = anna.post("/staff/status", {"status": "available", "next": "/staff/desks/zebera"})
    assert response.status_code == 302 and response.location == "/staff/desks/zebera"
    assert _now(engine, clock).status == "available"
    assert requested == ["info"]  # zebera is dialled, it has no queue
    bar = _bar(anna, "/staff/desks/zebera")
    assert 'class="status-now state-available"' in bar and "Verfügbar</span>" in bar
    assert re.search(r'value="available" class="status-choice"\s+aria-pressed="true"', bar)
    with engine.connect() as conn:
        entry = conn.execute(sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.detail)
                             .where(audit_log.c.action == "presence.set")).one()
    assert tuple(entry) == ("anna", "presence.set", "available")
    assert ANNA not in bar


def test_pause_and_sign_out_and_back(people, engine, clock, requested):
    anna = people("anna", desks=("info",), phone=ANNA)
    for status, label in (("paused", "Pause"), ("signed_out", "Abgemeldet"), ("available", "Verfügbar")):
        assert anna.post("/staff/status", {"status": status}).status_code == 302
        assert _now(engine, clock).status == status
        assert f">{label}</span>" in _bar(anna)
    assert requested == ["info"]


def test_a_missed_call_shows_why_and_the_json_keeps_the_bar_fresh(people, engine, clock):
    anna = people("anna", desks=("info",), phone=ANNA)
    anna.post("/staff/status", {"status": "available"})
    with engine.begin() as conn:
        entry = queueing.join(conn, "CAx", "info", "de", clock())
        assert queueing.offer(conn, entry.id, _id(engine, "anna"), clock())
    assert anna.get("/staff/status.json").get_json()["state"] == "busy"
    assert anna.get("/staff/status.json").get_json()["label"] == "Im Gespräch"
    with engine.begin() as conn:
        assert queueing.miss(conn, entry.id, _id(engine, "anna"), clock() + timedelta(seconds=20))
    body = anna.get("/staff/status.json").get_json()
    assert body == {"status": "paused", "state": "paused", "label": "Pause – Anruf verpasst", "phone": True,
                    "missed": True}
    assert "Pause – Anruf verpasst" in _bar(anna)
    assert anna.get("/staff/status.json?lang=en").get_json()["label"] == "Break – call missed"


def test_wrap_up_shows_the_seconds_left_then_available(people, engine, clock):
    anna = people("anna", desks=("info",), phone=ANNA)
    anna.post("/staff/status", {"status": "available"})
    with engine.begin() as conn:
        queueing.agent_done(conn, _id(engine, "anna"), clock(), wrap_up_seconds=60)
    clock.now += timedelta(seconds=15)
    assert anna.get("/staff/status.json").get_json()["label"] == "Nachbearbeitung – noch 45 s"
    clock.now += timedelta(seconds=45)
    assert anna.get("/staff/status.json").get_json()["label"] == "Verfügbar"


def test_without_a_phone_number_available_is_locked_and_refused_with_the_reason(people, engine, clock, requested):
    fritz = people("fritz", desks=("info",), phone=None)
    bar = _bar(fritz)
    assert 'value="available"' in bar and "disabled" in bar and "Keine Telefonnummer im Konto" in bar
    response = fritz.post("/staff/status", {"status": "available"})
    assert response.status_code == 409
    assert "Ihr Konto hat keine Telefonnummer" in response.get_data(as_text=True)
    assert _now(engine, clock, "fritz").status == "signed_out" and requested == []
    assert "unter „Konten“ ein" in fritz.get("/staff/status").get_data(as_text=True)  # the whole reason
    assert fritz.post("/staff/status", {"status": "paused"}).status_code == 302  # a pause needs no number


@pytest.mark.parametrize("status", ["busy", "wrap_up", "", "Verfügbar"])
def test_an_unknown_status_is_a_400_naming_the_allowed_values(people, engine, clock, status):
    anna = people("anna", desks=("info",), phone=ANNA)
    response = anna.post("/staff/status", {"status": status})
    assert response.status_code == 400
    assert "Verfügbar, Pause, Abgemeldet" in response.get_data(as_text=True)
    assert _now(engine, clock).status == "signed_out"


def test_the_form_needs_its_csrf_token_and_a_local_next(people, engine, clock):
    anna = people("anna", desks=("info",), phone=ANNA)
    assert anna.post("/staff/status", {"status": "paused"}, csrf=False).status_code == 400
    assert _now(engine, clock).status == "signed_out"
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = anna.post("/staff/status", {"status": "paused", "next": target})
        assert response.location == "/staff/status", target


def test_no_control_for_people_without_a_queue_desk(people, login):
    bert = people("bert", desks=("zebera",), phone=ANNA)
    assert _bar(bert) == ""
    assert bert.post("/staff/status", {"status": "available"}).status_code == 404
    assert bert.get("/staff/status.json").status_code == 404
    operator = login("operator")
    assert operator.get("/staff/status.json").status_code == 403


def test_the_status_page_explains_each_status(people):
    anna = people("anna", desks=("info",), phone=ANNA)
    html = anna.get("/staff/status").get_data(as_text=True)
    assert "Nachbearbeitung" in html and "20 Sekunden" in html and ANNA not in html


def test_every_label_has_a_text():
    from ivr.web import i18n

    assert all(i18n.known(key) for key in (*status_view.LABELS.values(), *status_view.REFUSALS.values()))


def test_redis_down_does_not_stop_the_change(people, engine, clock, monkeypatch, caplog):
    import redis

    def down(conn, desk):
        raise redis.ConnectionError("refused")

    monkeypatch.setattr(jobqueue, "request_dispatch", down)
    anna = people("anna", desks=("info",), phone=ANNA)
    assert anna.post("/staff/status", {"status": "available"}).status_code == 302
    assert _now(engine, clock).status == "available"
    assert "dispatch not requested (ConnectionError)" in caplog.text
