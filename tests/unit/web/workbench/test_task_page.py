"""The task page's rules: forwarding goes back to the list, a supervisor releases a colleague's claim, "save and
next" follows the list's order, a next attempt in the past is refused with nothing lost, the voice message's state."""

from __future__ import annotations

import html
import re
from pathlib import Path

import sqlalchemy as sa

from ivr.hotline import callbacks as tasks
from ivr.hotline import recordings
from ivr.hotline import users
from ivr.hotline import worklist
from ivr.store.db import callbacks
from tests.factories import make_settings
from tests.support.clock import berlin

SID = "RE" + "2" * 32


def _task(engine, task_id):
    with engine.connect() as conn:
        return conn.execute(sa.select(callbacks).where(callbacks.c.id == task_id)).mappings().one()


def _steps(engine, task_id):
    with engine.connect() as conn:
        return [(s["actor"], s["kind"]) for s in tasks.history(conn, task_id)]


def _claim(engine, task_id, username, clock):
    with engine.begin() as conn:
        worklist.claim(conn, tasks.get(conn, task_id), users.load(conn, users.user_id(conn, username)), clock())


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_forwarding_goes_back_to_the_desk_list_with_the_new_desk_named(people, make_task, engine):
    task = make_task()
    anna = people("anna")
    response = anna.post(f"/staff/tasks/{task}/forward", {"desk": "integration_point", "note": "BA"})
    assert (response.status_code, response.location) == (302, "/staff/desks/zebera")
    page = _text(anna.get(response.location))
    assert "Weitergeleitet an Integration Point (Agentur für Arbeit)." in page
    assert _task(engine, task)["desk"] == "integration_point"
    english = people("edda")
    second = make_task(phone="+4917600000009")
    answer = english.post(f"/staff/tasks/{second}/forward?lang=en", {"desk": "integration_point"})
    assert "Forwarded to Integration Point (employment agency)." in _text(english.get(answer.location))


def test_a_supervisor_of_the_desk_releases_a_colleagues_claim_staff_cannot(people, make_task, engine, clock):
    task = make_task()
    people("bert", display_name="Bert Becker")
    _claim(engine, task, "bert", clock)
    anna = people("anna")
    page = _text(anna.get(f"/staff/tasks/{task}"))
    assert "Übernahme von Bert Becker aufheben" not in page
    forged = anna.post(f"/staff/tasks/{task}/release")
    assert forged.status_code == 409 and "Diese Aufgabe bearbeitet bereits Bert Becker." in _text(forged)
    outsider = people("otto", role="supervisor", desks=("helpers",))
    assert outsider.post(f"/staff/tasks/{task}/release").status_code == 404  # not his desk
    assert _task_holder(engine, task) == "Bert Becker"

    vera = people("vera", role="supervisor", desks=("zebera",), display_name="Vera Vogel")
    page = _text(vera.get(f"/staff/tasks/{task}"))
    assert "Übernahme von Bert Becker aufheben" in page
    assert ">Versuch eintragen<" not in page  # a supervisor does not work tasks: no empty heading
    response = vera.post(f"/staff/tasks/{task}/release")
    assert response.status_code == 302
    assert "Übernahme von Bert Becker aufgehoben." in _text(vera.get(response.location))
    assert _task_holder(engine, task) is None
    assert _steps(engine, task)[-2:] == [("bert", "claim"), ("vera", "release")]
    assert "Übernahme von" not in _text(vera.get(f"/staff/tasks/{task}")).split("Verlauf")[0]  # nothing to release


def _task_holder(engine, task_id):
    with engine.connect() as conn:
        return tasks.get(conn, task_id)["holder"]


def test_save_and_next_opens_the_next_workable_task_in_the_lists_order(people, make_task, engine, clock):
    first = make_task(phone="+4917600000001", due_in_hours=2)
    waiting = make_task(phone="+4917600000002", due_in_hours=3)  # due earlier, but its next attempt is tomorrow
    taken = make_task(phone="+4917600000003", due_in_hours=4)
    after = make_task(phone="+4917600000004", due_in_hours=5)
    with engine.begin() as conn:
        conn.execute(callbacks.update().where(callbacks.c.id == waiting)
                     .values(attempts=1, next_attempt_at=berlin("2026-11-25 09:00")))
    people("bert")
    _claim(engine, taken, "bert", clock)
    anna = people("anna")
    response = anna.post(f"/staff/tasks/{first}/attempt", {"outcome": "busy", "then": "schedule", "go": "next"})
    assert response.location == f"/staff/tasks/{after}"
    assert "Gespeichert." in _text(anna.get(response.location))
    response = anna.post(f"/staff/tasks/{after}/attempt", {"outcome": "reached_resolved", "go": "next"})
    assert response.location == "/staff/desks/zebera"  # the first is spaced now, the others wait or are taken
    assert "Keine weitere Aufgabe dieser Stelle kann jetzt bearbeitet werden." in _text(anna.get(response.location))
    assert anna.post(f"/staff/tasks/{waiting}/attempt", {"outcome": "busy"}).location == f"/staff/tasks/{waiting}"


def test_a_next_attempt_in_the_past_is_refused_and_what_was_typed_stays(people, make_task, engine):
    task = make_task()
    anna = people("anna")
    typed = {"outcome": "no_answer", "note": "Mailbox voll", "then": "schedule", "next_at": "2026-11-23T09:00"}
    response = anna.post(f"/staff/tasks/{task}/attempt", typed)
    page = _text(response)
    assert response.status_code == 422
    assert "Nächster Versuch Mo 23.11. 09:00 liegt in der Vergangenheit" in page and "Nichts gespeichert." in page
    assert 'value="2026-11-23T09:00" aria-invalid="true" aria-describedby="next-at-error"' in page
    assert 'value="no_answer" required checked' in page and ">Mailbox voll</textarea>" in page
    row = _task(engine, task)
    assert (row["attempts"], row["next_attempt_at"]) == (0, None) and _steps(engine, task) == []
    assert anna.post(f"/staff/tasks/{task}/attempt", dict(typed, next_at="gestern")).status_code == 422
    assert people("vera", role="supervisor").post(f"/staff/tasks/{task}/attempt", typed).status_code == 403
    closing = anna.post(f"/staff/tasks/{task}/attempt", dict(typed, then="close"))  # the date does not matter then
    assert closing.status_code == 302 and _task(engine, task)["outcome"] == "unreachable"


def test_a_next_attempt_moved_later_says_when_and_why(people, make_task, engine):
    task = make_task()  # Tuesday 10:00; the spacing is two service hours
    anna = people("anna")
    response = anna.post(f"/staff/tasks/{task}/attempt",
                         {"outcome": "busy", "then": "schedule", "next_at": "2026-11-24T10:30"})
    assert _task(engine, task)["next_attempt_at"] == berlin("2026-11-24 12:00")
    page = _text(anna.get(response.location))
    assert "Gespeichert. Nächster Versuch: Di 24.11. 12:00 (früher geht nicht: Mindestabstand" in page


def test_the_voice_message_says_what_became_of_it(people, make_task, engine, settings, tmp_path, database_url):
    copying = make_task(phone="+4917600000001", recording_url="https://api.twilio.com/r", recording_sid=SID)
    ready = make_task(phone="+4917600000002")
    deleted = make_task(phone="+4917600000003")
    none = make_task(phone="+4917600000004")
    file = Path(settings.instance_dir) / "recordings" / f"{ready}-{SID}.wav"
    file.parent.mkdir(parents=True)
    file.write_bytes(b"RIFF-local")
    with engine.begin() as conn:
        conn.execute(callbacks.update().where(callbacks.c.id == ready)
                     .values(recording_path=file.name, recording_sid=SID, recording_duration=75))
        conn.execute(callbacks.update().where(callbacks.c.id == deleted).values(recording_sid=SID))
    anna = people("anna")
    expected = {copying: "nicht verfügbar: kein Twilio-Konto eingerichtet", ready: "bereit · 1:15 Min.",
                deleted: "gelöscht (Aufbewahrungsfrist)", none: "Keine Sprachnachricht"}
    for task, words in expected.items():
        page = _text(anna.get(f"/staff/tasks/{task}"))
        assert f'id="voice-state-{task}">{words}</span>' in page, task
        assert ("<audio" in page) == (task == ready)
        assert "<audio controls" not in page  # one tab stop: the button, not the player's own controls
    download = anna.get(f"/staff/tasks/{ready}/recording?download=1")
    assert download.data == b"RIFF-local"
    assert download.headers["Content-Disposition"].startswith("attachment")
    with_account = make_settings(tmp_path, database_url, None, twilio_account_sid="AC" + "a" * 32)
    with engine.connect() as conn:
        states = {task: recordings.state(with_account, tasks.get(conn, task)) for task in expected}
    assert states == {copying: "copying", ready: "ready", deleted: "deleted", none: "none"}


def test_the_history_names_sms_and_voice_message_steps_in_words(people, make_task, engine, clock):
    task = make_task()
    with engine.begin() as conn:
        tasks.record_step(conn, task, "system", "sms", clock(), outcome="confirm:refused", note="no_twilio_account")
        tasks.record_step(conn, task, "twilio", "sms", clock(), outcome="unreached:failed", note="twilio 400 21610")
        tasks.record_step(conn, task, "system", "recording", clock(), outcome="no_twilio_account")
    history = _text(people("anna").get(f"/staff/tasks/{task}")).split('id="hist"')[1]
    rows = [[cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", history, re.S)][1:]
    assert [row[2:] for row in rows[1:]] == [
        ["SMS: Bestätigung des Rückruftags – nicht gesendet", "kein Twilio-Konto eingerichtet"],
        ["SMS: „nicht erreicht“ – fehlgeschlagen", "twilio 400 21610"],
        ["Sprachnachricht: nicht kopiert, kein Twilio-Konto eingerichtet", ""]]
