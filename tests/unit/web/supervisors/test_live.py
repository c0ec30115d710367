"""The supervisors' live page: queue desks now, counts only, supervisors and admins only, fresh by polling."""

from __future__ import annotations

from datetime import timedelta

from ivr.web.supervisors import live
from tests.support.livequeue import CALLERS
from tests.support.livequeue import PHONES
from tests.support.livequeue import scene


def _no_personal_data(text: str) -> None:
    assert not any(number in text for number in (*PHONES.values(), *CALLERS.values()))
    assert "CAwait" not in text
    for name in ("Anna", "Bert", "Carl", "Dora", "Emil", "Fritz"):
        assert name not in text


def test_the_page_shows_each_queue_desk_with_waiting_people_and_today(login, engine, clock):
    with engine.begin() as conn:
        scene(conn, clock())
    html = login("supervisor").get("/live/").get_data(as_text=True)
    assert "Warteschlangen live" in html
    assert 'data-desk="info"' in html and 'data-desk="helpers"' in html and 'data-desk="zebera"' not in html
    start = html.index('data-desk="info"')
    info = html[start:html.index("</section>", start)]
    assert '<span class="live-big" data-field="waiting">3</span>' in info
    assert 'data-field="longest_wait">1:30<' in info
    assert "<li>Arabisch: 2</li><li>Deutsch: 1</li>" in info
    for state, n in (("available", 1), ("busy", 1), ("wrap_up", 1), ("paused", 1)):
        assert f'data-field="agents.{state}">{n}<' in info
    assert 'data-field="service_level_text">17 %<' in info and "1 von 6 in 30 s" in info
    assert 'data-field="today.abandoned">2<' in info and 'data-field="today.offers_missed">1<' in info
    assert "innerhalb von 5 s aufgelegt" in html  # what the service level leaves out, written down
    _no_personal_data(html)


def test_the_json_follows_the_queue_without_a_reload(login, engine, clock):
    supervisor = login("supervisor")
    first = supervisor.get("/live/data.json").get_json()
    assert first["poll"] == 5 and [d["id"] for d in first["desks"]] == ["helpers", "info"]
    assert first["desks"][1]["waiting"] == 0 and first["desks"][1]["service_level_text"] == "–"
    with engine.begin() as conn:
        scene(conn, clock())
    clock.now += timedelta(seconds=41)
    body = supervisor.get("/live/data.json").get_json()
    info = body["desks"][1]
    assert (info["waiting"], info["longest_wait_s"], info["longest_wait"]) == (3, 131, "2:11")
    assert info["waiting_by_language"] == [{"language": "ar", "name": "Arabisch", "count": 2},
                                           {"language": "de", "name": "Deutsch", "count": 1}]
    assert info["agents"] == {"available": 2, "busy": 1, "wrap_up": 0, "paused": 1}  # carl's wrap-up ended
    assert info["today"]["decided"] == 7 and info["service_level_text"] == "14 %"
    assert body["at"] == "10:00:41"
    _no_personal_data(supervisor.get("/live/data.json").get_data(as_text=True))


def test_only_supervisors_and_admins(login, client):
    assert login("admin").get("/live/").status_code == 200
    for role in ("staff", "operator"):
        person = login(role)
        assert person.get("/live/").status_code == 403, role
        assert person.get("/live/data.json").status_code == 403, role
    assert client.get("/live/data.json").status_code == 302  # to the login page


def test_the_nav_links_the_live_page_for_supervisors_only(login):
    assert 'href="/live/"' in login("supervisor").get("/dashboard/").get_data(as_text=True)
    assert 'href="/live/"' not in login("staff").get("/staff/").get_data(as_text=True)


def test_english_and_clock_text(login):
    html = login("admin").get("/live/?lang=en").get_data(as_text=True)
    assert "Live queues" in html and "Waiting by language" in html
    assert [live.clock_text(s) for s in (0, 59, 61, 3599, 3600, 3725)] == \
        ["0:00", "0:59", "1:01", "59:59", "1:00:00", "1:02:05"]
