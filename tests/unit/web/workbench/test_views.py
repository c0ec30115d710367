"""The desk list and task page: order, flags, claims, attempts, forwards, history, export, audit."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import sqlalchemy as sa

from ivr.hotline import worklist
from ivr.store.db import audit_log
from ivr.store.db import callbacks
from tests.support.clock import berlin


def _task(engine, task_id):
    with engine.connect() as conn:
        return conn.execute(sa.select(callbacks).where(callbacks.c.id == task_id)).mappings().one()


def _actions(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_log.c.action, audit_log.c.target, audit_log.c.actor)).all()


def test_desk_list_oldest_due_first_with_language_flag(people, make_task, engine):
    make_task(phone="+4917600000001", due_in_hours=20)
    make_task(phone="+4917600000002", due_in_hours=2, language="ar")
    make_task(desk="info", phone="+4917600000003")
    anna = people("anna", languages=("de", "en"))
    html = anna.get("/staff/desks/zebera").get_data(as_text=True)
    assert html.index("0176 0000 0002") < html.index("0176 0000 0001")  # German numbers as Germans write them
    assert "0176 0000 0003" not in html  # another desk
    row = html[html.index("0176 0000 0002") : html.index("0176 0000 0001")]
    assert "العربية" in row and "nicht Ihre Sprache" in row
    assert "nicht Ihre Sprache" not in html[html.index("0176 0000 0001") :]
    assert ("view.desk_list", "desk:zebera", "anna") in _actions(engine)


def test_due_time_counts_service_hours(people, make_task, clock, engine):
    clock.set("2026-11-27 15:00")  # Friday 15:00; the desk opens again Monday 08:00
    make_task(due_in_hours=-1)
    task = make_task(phone="+4917600000009")
    with engine.begin() as conn:
        conn.execute(
            callbacks.update().where(callbacks.c.id == task).values(due_at=berlin("2026-11-30 15:00"))
        )
    anna = people("anna")
    html = anna.get("/staff/desks/zebera").get_data(as_text=True)
    assert "Mo 30.11. 15:00" in html
    assert "· 8 Std." in html  # 1 h on Friday + 7 h on Monday
    assert "überfällig" in html  # the task due now


def test_claim_is_exclusive_and_shows_the_holder(people, make_task, engine):
    task = make_task()
    anna = people("anna", display_name="Anna Arslan")
    bert = people("bert")
    assert anna.post(f"/staff/tasks/{task}/claim").status_code == 302
    response = bert.post(f"/staff/tasks/{task}/claim")
    assert response.status_code == 409
    assert "bearbeitet bereits Anna Arslan" in response.get_data(as_text=True)  # shown at once, no redirect
    page = bert.get(f"/staff/tasks/{task}").get_data(as_text=True)
    assert "bearbeitet bereits Anna Arslan" in page
    assert "In Bearbeitung von Anna Arslan" in bert.get("/staff/desks/zebera").get_data(as_text=True)
    assert bert.post(f"/staff/tasks/{task}/attempt", {"outcome": "busy"}).status_code == 409
    assert _task(engine, task)["attempts"] == 0
    assert anna.post(f"/staff/tasks/{task}/release").status_code == 302
    assert bert.post(f"/staff/tasks/{task}/claim").status_code == 302


def test_a_claim_nobody_acts_on_lapses_and_the_task_is_free_again(people, make_task, engine, clock, settings):
    """Somebody claims and goes home: after claim_expiry_minutes the sweep frees the task for the desk."""
    left, kept = make_task(), make_task(phone="+4917612345679")
    anna = people("anna", display_name="Anna A")
    bert = people("bert")
    anna.post(f"/staff/tasks/{left}/claim")
    expiry = timedelta(minutes=settings.config.callbacks.claim_expiry_minutes)
    clock.advance(minutes=60)
    anna.post(f"/staff/tasks/{kept}/claim")  # taken an hour later: still hers after the first one lapsed
    clock.advance(seconds=expiry.total_seconds() - 60 * 60 - 1)
    with engine.begin() as conn:
        assert worklist.expire_claims(conn, clock() - expiry, clock()) == 0
    assert bert.post(f"/staff/tasks/{left}/claim").status_code == 409
    clock.advance(seconds=2)
    with engine.begin() as conn:
        assert worklist.expire_claims(conn, clock() - expiry, clock()) == 1
    assert bert.post(f"/staff/tasks/{left}/claim").status_code == 302
    assert bert.post(f"/staff/tasks/{kept}/claim").status_code == 409
    page = bert.get(f"/staff/tasks/{left}").get_data(as_text=True)
    history = re.findall(r"<tr>\s*<td>[^<]+</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", page[page.index('id="hist"'):])
    assert [(who, what.strip()) for who, what in history][1:] == [
        ("Anna A", "übernommen"), ("Anna A", "Übernahme abgelaufen, wieder frei"), ("Bert", "übernommen")]


def test_failed_attempts_reschedule_then_close_as_unreachable(people, make_task, engine, clock):
    task = make_task()
    anna = people("anna")
    anna.post(f"/staff/tasks/{task}/claim")
    anna.post(
        f"/staff/tasks/{task}/attempt", {"outcome": "no_answer", "note": "mailbox full", "then": "schedule"}
    )
    row = _task(engine, task)
    assert row["status"] == "open" and row["attempts"] == 1
    assert row["next_attempt_at"] == berlin("2026-11-24 12:00")  # 120 minutes of service time
    clock.set("2026-11-24 15:30")  # 30 minutes before closing: spacing runs into the next morning
    anna.post(f"/staff/tasks/{task}/attempt", {"outcome": "busy", "then": "schedule"})
    assert _task(engine, task)["next_attempt_at"] == berlin("2026-11-25 09:30")
    response = anna.post(f"/staff/tasks/{task}/attempt", {"outcome": "voicemail_left", "then": "schedule"})
    assert response.status_code == 302
    row = _task(engine, task)
    assert (row["status"], row["outcome"], row["attempts"]) == ("closed", "unreachable", 3)
    page = anna.get(f"/staff/tasks/{task}").get_data(as_text=True)
    assert "nicht erreichbar" in page and "mailbox full" in page
    assert "als nicht erreichbar geschlossen" in page  # the flash


def test_chosen_next_attempt_and_closing_early(people, make_task, engine):
    first, second = make_task(), make_task(phone="+4917600000005")
    anna = people("anna")
    anna.post(
        f"/staff/tasks/{first}/attempt",
        {"outcome": "busy", "then": "schedule", "next_at": "2026-11-25T14:15"},
    )
    assert _task(engine, first)["next_attempt_at"] == berlin("2026-11-25 14:15")
    anna.post(f"/staff/tasks/{second}/attempt", {"outcome": "no_answer", "then": "close"})
    assert _task(engine, second)["outcome"] == "unreachable"


def test_reached_closes_the_task(people, make_task, engine):
    task = make_task()
    anna = people("anna")
    anna.post(f"/staff/tasks/{task}/attempt", {"outcome": "reached_resolved", "note": "Termin vereinbart"})
    row = _task(engine, task)
    assert (row["status"], row["outcome"]) == ("closed", "resolved")
    assert "Termin vereinbart" not in anna.get("/staff/desks/zebera").get_data(as_text=True)
    assert anna.post(f"/staff/tasks/{task}/claim").status_code == 409  # closed tasks stay closed


def test_unknown_outcome_is_refused(people, make_task, engine):
    task = make_task()
    anna = people("anna")
    assert anna.post(f"/staff/tasks/{task}/attempt", {"outcome": "lunch"}).status_code == 409
    assert _task(engine, task)["attempts"] == 0


def test_forward_moves_the_task_with_a_note(people, make_task, engine):
    task = make_task()
    anna = people("anna")
    carl = people("carl", desks=("integration_point",))
    response = anna.post(f"/staff/tasks/{task}/forward", {"desk": "integration_point", "note": "Frage zu BA"})
    assert response.status_code == 302
    assert _task(engine, task)["desk"] == "integration_point"
    assert anna.get(f"/staff/tasks/{task}").status_code == 404  # no longer her desk
    page = carl.get(f"/staff/tasks/{task}").get_data(as_text=True)
    assert "Frage zu BA" in page and "weitergeleitet an" in page
    assert anna.post(f"/staff/tasks/{task}/forward", {"desk": "nowhere"}).status_code == 400


def test_history_lists_every_step_with_who_and_when(people, make_task, clock):
    task = make_task()
    anna = people("anna", display_name="Anna A")
    anna.post(f"/staff/tasks/{task}/claim")
    clock.advance(minutes=5)
    anna.post(
        f"/staff/tasks/{task}/attempt", {"outcome": "busy", "note": "erst ab 14 Uhr", "then": "schedule"}
    )
    page = anna.get(f"/staff/tasks/{task}").get_data(as_text=True)
    history = page[page.index('id="hist"') :]
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", history)
    assert [(w.strip(), who, what.strip()) for w, who, what in rows] == [
        ("Di 24.11. 10:00", "Hotline", "eingegangen"),
        ("Di 24.11. 10:00", "Anna A", "übernommen"),
        ("Di 24.11. 10:05", "Anna A", "Versuch: Besetzt"),
    ]
    assert "erst ab 14 Uhr" in history


def test_csv_export_of_a_desk(people, make_task, engine):
    make_task(phone="+4917600000007", language="tr")
    make_task(desk="info", phone="+4917600000008")
    anna = people("anna")
    response = anna.get("/staff/desks/zebera/export.csv?lang=en")  # headers in the interface language
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["id", "desk", "phone", "language"]
    assert [r[2] for r in rows[1:]] == ["'+4917600000007"]  # text, not a formula (ivr/core/csvcells.py)
    assert ("export.csv", "desk:zebera", "anna") in _actions(engine)


def test_viewing_a_task_is_audited(people, make_task, engine):
    task = make_task()
    anna = people("anna")
    anna.get(f"/staff/tasks/{task}")
    assert ("view.task", f"callback:{task}", "anna") in _actions(engine)


def test_staff_never_reach_another_desks_task(people, make_task, engine):
    task = make_task(desk="info", recording_url="https://api.twilio.com/rec/RE1")
    anna = people("anna")  # zebera only
    for url in (
        f"/staff/tasks/{task}",
        f"/staff/tasks/{task}/recording",
        "/staff/desks/info",
        "/staff/desks/info/export.csv",
    ):
        assert anna.get(url).status_code == 404, url
    for action, data in (
        ("claim", {}),
        ("release", {}),
        ("attempt", {"outcome": "reached_resolved"}),
        ("forward", {"desk": "zebera"}),
        ("call", {}),
    ):
        assert anna.post(f"/staff/tasks/{task}/{action}", data).status_code in (404, 409), action
    row = _task(engine, task)
    assert (row["desk"], row["status"], row["attempts"]) == ("info", "open", 0)


def test_supervisor_reads_and_reassigns_but_does_not_work_tasks(people, make_task, engine):
    task = make_task()
    vera = people("vera", role="supervisor", desks=("zebera", "helpers"))
    assert vera.get(f"/staff/tasks/{task}").status_code == 200
    assert vera.post(f"/staff/tasks/{task}/claim").status_code == 403
    assert (
        vera.post(f"/staff/tasks/{task}/forward", {"desk": "helpers", "note": "passt besser"}).status_code
        == 302
    )
    assert _task(engine, task)["desk"] == "helpers"


def test_admin_sees_every_desk(people, make_task):
    task = make_task(desk="integration_point")
    root = people("root", role="admin", desks=())
    assert root.get(f"/staff/tasks/{task}").status_code == 200
    assert root.get("/staff/desks/integration_point").status_code == 200


def test_call_button_is_disabled_without_twilio_account(people, make_task):
    task = make_task()
    anna = people("anna", phone="+4915112345678")
    page = anna.get(f"/staff/tasks/{task}").get_data(as_text=True)
    assert 'id="call" disabled' in page and "kein Twilio-Konto" in page
    assert anna.post(f"/staff/tasks/{task}/call").status_code == 409


def test_voice_message_from_the_instance_folder(people, make_task, engine, settings):
    from pathlib import Path

    task = make_task()
    file = Path(settings.instance_dir) / "recordings" / f"{task}-RE1.wav"  # where the worker keeps its copy
    file.parent.mkdir(parents=True)
    file.write_bytes(b"RIFF-local")
    with engine.begin() as conn:
        conn.execute(callbacks.update().where(callbacks.c.id == task).values(recording_path=file.name))
    anna = people("anna")
    assert f'href="/staff/tasks/{task}#message"' in anna.get("/staff/desks/zebera").get_data(as_text=True)
    response = anna.get(f"/staff/tasks/{task}/recording")
    assert response.data == b"RIFF-local" and response.mimetype in ("audio/wav", "audio/x-wav")
    assert ("view.recording", f"callback:{task}", "anna") in _actions(engine)


def test_task_from_a_simulated_call_appears_in_the_desk_list(people, phone, work, clock):
    clock.set("2026-11-24 19:30")  # Tuesday evening: the desks are closed, callers may ask for a callback
    caller = phone()
    caller.call()
    caller.press("7")  # English
    caller.press("1")
    caller.press("4")  # courses: the Integration centre
    caller.press("1")  # call me on this number
    caller.press("2")  # no voice message
    caller.hang_up()
    work()
    clock.set("2026-11-25 08:05")
    ines = people("ines", desks=("integrationszentrum",))
    html = ines.get("/staff/desks/integrationszentrum").get_data(as_text=True)
    assert "0176 1234 5678" in html and "English" in html and "nicht Ihre Sprache" in html
