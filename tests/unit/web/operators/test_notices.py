"""The operators' notices page: the API's rules and audit for closures, the announcement and the overflow number."""

from __future__ import annotations

import re

import sqlalchemy as sa

from ivr.store.db import audit_log
from ivr.store.db import closures as closures_table


def _token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/operator/notices").get_data(as_text=True))[1]


def _rows(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(closures_table).order_by(closures_table.c.id)).mappings().all()


def _audit(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target)
                            .order_by(audit_log.c.id)).all()


def test_only_operators_and_admins(app, login):
    assert app.test_client().get("/operator/notices").status_code == 302
    for role in ("staff", "supervisor"):
        client = login(role)
        assert client.get("/operator/notices").status_code == 403
        assert client.get("/operator/notices/hear?kind=closure&lang=de").status_code == 403
    assert login("admin").get("/operator/notices").status_code == 200


def test_close_a_desk_in_local_time_and_end_it(login, engine):
    client = login("operator")
    token = _token(client)
    form = {"csrf_token": token, "desk": "zebera", "date": "2026-11-25", "time": "12:00", "reason": "Teamsitzung",
            "message_de": "Heute geschlossen.", "message_ar": " ", "message_fa": "بسته"}
    assert client.post("/operator/notices/closure", data={**form, "csrf_token": ""}).status_code == 400  # CSRF
    assert _rows(engine) == []
    answer = client.post("/operator/notices/closure", data=form, follow_redirects=True)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Gespeichert: zebera (Jobcenter) geschlossen bis Mi 25.11. 12:00." in html
    assert "zebera (Jobcenter): geschlossen" in html and "Heute geschlossen." in html
    [row] = _rows(engine)
    assert (row["desk"], row["kind"], row["reason"], row["created_by"]) == ("zebera", "closure", "Teamsitzung",
                                                                            "operator1")
    assert row["until"].isoformat().startswith("2026-11-25T11:00")  # 12:00 in Berlin, winter
    assert row["message"] == '{"de": "Heute geschlossen.", "fa": "بسته"}'
    ended = client.post("/operator/notices/end", data={"csrf_token": token, "kind": "closure", "desk": "zebera"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Beendet: zebera (Jobcenter): geschlossen." in ended and "Jetzt in Kraft" in ended
    assert _rows(engine)[0]["ended_at"] is not None
    assert _audit(engine)[-2:] == [("operator1", "closure.set", f"closure:{row['id']}"),
                                   ("operator1", "closure.end", "desk:zebera")]


def test_the_rules_refuse_in_the_interface_language_and_keep_the_input(login, engine):
    client = login("operator")
    token = _token(client)
    past = client.post("/operator/notices/closure", data={"csrf_token": token, "desk": "zebera", "date": "2026-11-24",
                                                          "time": "09:00", "reason": "kept"})
    assert past.status_code == 400
    html = past.get_data(as_text=True)
    assert "Das Ende liegt in der Vergangenheit" in html and 'value="kept"' in html
    assert client.post("/operator/notices/closure", data={"csrf_token": token, "desk": "nowhere",
                                                          "date": "2026-11-25", "time": "12:00"}).status_code == 400
    empty = client.post("/operator/notices/announcement?lang=en", data={"csrf_token": token, "date": "", "time": ""})
    assert empty.status_code == 400 and "Give a date and a time (local time, Europe/Berlin)." in empty.get_data(
        as_text=True)
    bad = client.post("/operator/notices/overflow", data={"csrf_token": token, "number": "110", "date": "2026-11-25",
                                                          "time": "12:00"})
    assert bad.status_code == 400 and "must be a callable German number" in bad.get_data(as_text=True)
    assert _rows(engine) == [] and not [a for a in _audit(engine) if a[1].endswith(".set")]


def test_announcement_and_overflow_are_listed_and_ended(login, engine):
    client = login("admin")
    token = _token(client)
    when = {"csrf_token": token, "date": "2026-11-26", "time": "08:30"}
    client.post("/operator/notices/announcement", data={**when, "message_de": "Stromausfall im Haus."})
    client.post("/operator/notices/overflow", data={**when, "number": "0202 563 4003"})
    html = client.get("/operator/notices").get_data(as_text=True)
    assert "Durchsage für das ganze Haus" in html and "Stromausfall im Haus." in html
    assert "0202 5634003" in html or "0202 563 4003" in html
    assert [(r["kind"], r["value"]) for r in _rows(engine)] == [("announcement", None), ("overflow", "+492025634003")]
    for kind in ("announcement", "overflow"):
        client.post("/operator/notices/end", data={"csrf_token": token, "kind": kind, "desk": "*"})
    assert all(r["ended_at"] is not None for r in _rows(engine))
    assert [a[1] for a in _audit(engine) if "." in a[1] and a[1].split(".")[0] in ("announcement", "overflow")] == [
        "announcement.set", "overflow.set", "announcement.end", "overflow.end"]


def test_listen_gives_what_the_caller_hears(login):
    client = login("operator")
    german = client.get("/operator/notices/hear", query_string={"kind": "announcement", "lang": "de",
                                                                "text": "Stromausfall."}).get_json()["items"]
    assert german == [{"text": "Wichtiger Hinweis.", "voice": "Polly.Vicki-Neural", "tts": "de-DE"},
                      {"text": "Stromausfall.", "voice": "Polly.Vicki-Neural", "tts": "de-DE"}]
    farsi = client.get("/operator/notices/hear", query_string={"kind": "closure", "lang": "fa",
                                                               "text": "بسته"}).get_json()["items"]
    assert farsi == [{"text": "این بخش امروز بسته است.", "audio": "/static/audio/fa/closed_today.wav"}]
    assert client.get("/operator/notices/hear", query_string={"kind": "x", "lang": "de"}).status_code == 400
