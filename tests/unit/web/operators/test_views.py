"""The operators' simulator page: operator login required, inline graph, a call over fetch/JSON."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.factories import make_settings


def test_page_needs_the_operator_role(app, login):
    assert app.test_client().get("/operator/simulator").status_code == 302
    assert login("staff").get("/operator/simulator").status_code == 403


def test_operator_calls_through_the_page_api(app, login):
    client = login("operator")
    page = client.get("/operator/simulator")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "Ausländerbehörde" in html
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    headers = {"X-CSRFToken": token}
    setup = {"lang": "ar", "at": "2026-11-24 10:00", "closed": ["zebera"]}

    def run(keys, **extra):
        return client.post("/operator/simulator/run", json={"setup": setup, "keys": keys, **extra},
                           headers=headers)

    no_token = client.post("/operator/simulator/run", json={"setup": setup, "keys": []})
    assert no_token.status_code == 400  # CSRF
    start = run([]).get_json()
    assert start["waits"] == "keys" and start["turns"][-1]["heard"][-1]["language"] == "arb"
    step = run(["1", "3", "1"]).get_json()  # replayed from the start (or continued from the cache)
    assert step["waits"] == "keys"  # zebera is closed: call me on this number?
    assert "الرقم" in " ".join(h["text"] for h in step["turns"][-1]["heard"])
    end = run(["1", "3", "1", "1"], hang_up=True).get_json()
    assert (end["ending"], end["kind"], end["desk"], end["number"]) == (
        "Rückrufauftrag für zebera (Jobcenter), Rückruf an 0176 1234 5678", "callback", "zebera", "+4917612345678")
    assert "Telefon-Simulator" in html and "Nummer eingeben" in html
    english = client.get("/operator/simulator?lang=en").get_data(as_text=True)  # the workbench's second language
    assert "Phone simulator" in english and "Enter a number" in english and "Nummer eingeben" not in english
    end = run(["1", "3", "1", "1"], hang_up=True).get_json()
    assert end["ending"] == "callback task for zebera (Jobcenter, refugees), call back +49 176 1234 5678"
    client.get("/operator/simulator?lang=de")
    assert run([], setup=None).status_code == 200  # an empty setup means now, the default caller, no closures
    bad = client.post("/operator/simulator/run", json={"setup": {"closed": ["nowhere"]}}, headers=headers)
    assert bad.status_code == 400 and "unknown desk" in bad.get_json()["error"]


def test_the_simulator_keeps_answering_past_its_cache_of_calls(login):
    """More open calls than one process keeps (MAX_CALLS): the evicted ones are closed and replay from their keys."""
    from ivr.web.operators import views as operators
    client = login("operator")
    token = re.search(r'data-csrf="([^"]+)"', client.get("/operator/simulator").get_data(as_text=True)).group(1)

    def run(caller: str, keys: list[str]):
        setup = {"lang": "de", "at": "2026-11-24 10:00", "caller": caller}
        return client.post("/operator/simulator/run", json={"setup": setup, "keys": keys},
                           headers={"X-CSRFToken": token})

    callers = [f"+49176123456{n:02d}" for n in range(operators.MAX_CALLS + 3)]
    for caller in callers:
        response = run(caller, [])
        assert response.status_code == 200 and response.get_json()["waits"] == "keys", caller
    assert len(operators._calls) == operators.MAX_CALLS
    first, last = run(callers[0], ["1"]), run(callers[-1], ["1"])  # evicted (replayed) and cached (continued)
    assert first.status_code == last.status_code == 200
    assert first.get_json()["turns"] == last.get_json()["turns"]


class TestAnotherTimezone:
    """The page's times are local to config.yaml's hotline.timezone, never a fixed Europe/Berlin."""

    @pytest.fixture
    def settings(self, tmp_path, database_url, redis_url, engine, redis_conn):
        config = tmp_path / "config.yaml"
        config.write_text(Path("config.yaml").read_text().replace("timezone: Europe/Berlin",
                                                                  "timezone: America/New_York"))
        return make_settings(tmp_path, database_url, redis_url, config_path=str(config))

    def test_an_empty_time_is_now_in_the_hotlines_timezone(self, login, clock):
        assert clock().astimezone(ZoneInfo("Europe/Berlin")).hour == 10
        client = login("operator")
        token = re.search(r'data-csrf="([^"]+)"', client.get("/operator/simulator").get_data(as_text=True)).group(1)
        answer = client.post("/operator/simulator/run", json={"setup": {"lang": "de"}, "keys": []},
                             headers={"X-CSRFToken": token}).get_json()
        assert answer["setup"]["at"] == clock().astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
        assert answer["setup"]["at"].endswith(" 04:00")


def test_the_phone_waits_in_a_queue_desk_and_a_simulated_person_answers(login):
    client = login("operator")
    html = client.get("/operator/simulator").get_data(as_text=True)
    assert 'id="sim-agents"' in html and "Personen an Warteschlangen-Stellen" in html
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    setup = {"lang": "ar", "at": "2026-11-24 10:00", "agents": "info:de,ar"}

    def run(keys, **extra):
        return client.post("/operator/simulator/run", json={"setup": setup, "keys": keys, **extra},
                           headers={"X-CSRFToken": token})

    queued = run(["0"]).get_json()  # "who is calling": 0 asks for a person, the information desk
    assert queued["setup"]["agents"] == "info:de,ar"
    assert queued["turns"][-2]["queue"] == "info-ar" and queued["waits"] == "keys"
    assert queued["turns"][-1]["heard"][-1]["audio"] == "hold/music.wav"
    answered = run(["0", "-"]).get_json()  # the music plays on; the Arabic-speaking person is offered the call
    notes = answered["turns"][-1]["notes"]
    assert notes[0].startswith("☏ sim-info-ar (ar) bekommt den Anruf angeboten: «Hotline, Allgemeine Information, "
                               "Arabisch")  # in the interface language
    assert notes[1] == "✓ sim-info-ar drückt die 1: angenommen nach 15 s in der Warteschlange"
    assert answered["ending"] == "angenommen von sim-info-ar – Allgemeine Information, Warteschlange"
    assert answered["kind"] == "answered"
    left = run(["0", "1"], hang_up=True).get_json()  # 1 while waiting: out of the queue into the callback capture
    assert left["turns"][-1]["notes"] == ["⇠ aus der Warteschlange nach 0 s (QueueResult leave)"]
    bad = run([], setup={"agents": "zebera:de"})
    assert bad.status_code == 400 and "not a queue desk" in bad.get_json()["error"]


def test_the_graph_one_menu_at_a_time_in_the_interface_language(login):
    client = login("operator")
    page = client.get("/operator/simulator").get_data(as_text=True)  # the first menu a caller meets
    assert 'data-view="language"' in page and "☎ eingehender Anruf" in page and "weiter: who (Menü)" in page
    assert '<option value="topic" >Menü topic</option>' in page or '>Menü topic</option>' in page
    topic = client.get("/operator/simulator/graph?view=topic").get_data(as_text=True)
    assert topic.startswith("<svg") and 'data-view="topic"' in topic
    assert "Ausländerbehörde" in topic and "Rückrufauftrag" in topic and "incoming call" not in topic
    assert 'href="?view=status"' in topic  # another menu: a link to its view
    english = client.get("/operator/simulator/graph?view=topic&lang=en").get_data(as_text=True)
    assert "Immigration office" in english and "callback task" in english and "on to: status (menu)" in english
    assert "connect +49 202 " in english and "+49202" not in english  # numbers as people read them
    whole = client.get("/operator/simulator/graph?view=all&lang=de").get_data(as_text=True)
    assert all(name in whole for name in ("Ausländerbehörde", "Allgemeine Information", "eingehender Anruf"))
    assert client.get("/operator/simulator/graph?view=nowhere").get_data(as_text=True).count('data-view="language"')
