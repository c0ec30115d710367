"""Erase on request, named API clients with scopes, and no caller number in any log line."""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa

from ivr.hotline import recordings
from ivr.store.db import api_clients
from ivr.store.db import audit_log
from ivr.store.db import callbacks as tasks_table
from ivr.store.db import calls as calls_table
from ivr.store.db import events

NUMBER = "+4917612345678"
FORMS = (NUMBER, "4917612345678", "017612345678", "17612345678")
"""Ways the caller's number could show up in text."""


def _callback_call(phone, clock, caller=NUMBER, message: bool = False):
    clock.set("2026-11-24 19:30")
    call = phone(caller=caller)
    call.call()
    call.press("7")
    call.press("1")
    call.press("4")
    call.press("1")
    call.press("3")  # any time
    call.press("2")  # no SMS
    if message:
        call.press("1")
        call.leave_message()
    else:
        call.press("2")
    call.hang_up()
    return call


def test_erase_removes_every_record_of_one_number(phone, clock, work, engine, settings, ivr, twilio):
    twilio.recordings["RE" + "1" * 32] = b"RIFF"
    _callback_call(phone, clock, message=True)
    _callback_call(phone, clock, caller="+4915112345678")  # someone else: untouched
    work()
    pending = phone(caller=NUMBER)  # a call whose events are still waiting for the worker
    pending.call()
    pending.hang_up()
    result = ivr("privacy", "erase", "0176 1234 5678", "--yes")
    assert result.exit_code == 0, result.output
    report = dict(line.split(": ") for line in result.output.strip().splitlines())
    assert report == {"voice_messages_deleted": "1", "open_tasks_closed": "1", "tasks_stripped": "1",
                      "sms_deleted": "0", "sms_stripped": "0", "call_records_pseudonymised": "1",
                      "pending_events_deleted": "1"}
    with engine.connect() as conn:
        phones = conn.execute(sa.select(tasks_table.c.phone, tasks_table.c.status, tasks_table.c.outcome)
                              .order_by(tasks_table.c.id)).all()
        callers = conn.execute(sa.select(calls_table.c.caller, calls_table.c.caller_hash)).all()
        payloads = " ".join(conn.execute(sa.select(events.c.payload)).scalars())
        entry = conn.execute(sa.select(audit_log).where(audit_log.c.action == "privacy.erase")).mappings().one()
    assert phones[0] == (None, "closed", "erased") and phones[1][0] == "+4915112345678"
    assert (NUMBER, None) not in callers and all(c[0] != NUMBER for c in callers)
    assert NUMBER not in payloads
    assert not any(recordings.folder(settings).glob("*.wav"))
    assert entry["actor"] == "cli:privacy" and not any(f in json.dumps(dict(entry), default=str) for f in FORMS)
    work()  # nothing comes back from Redis
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(tasks_table.c.phone == NUMBER)).scalar() == 0


def test_erase_refuses_what_is_not_a_number(ivr):
    result = ivr("privacy", "erase", "hello", "--yes")
    assert result.exit_code == 1 and "not a phone number" in result.output


def test_callbacks_close_command_closes_before_any_staff_ui_exists(phone, clock, work, engine, ivr):
    """Retention needs closed tasks: `ivr callbacks close` closes one, audited, and refuses what it cannot do."""
    _callback_call(phone, clock)
    work()
    with engine.connect() as conn:
        task_id = conn.execute(sa.select(tasks_table.c.id)).scalar_one()
    assert ivr("callbacks", "close", str(task_id), "--outcome", "nonsense").exit_code == 2
    assert ivr("callbacks", "close", "999999").exit_code == 1
    result = ivr("callbacks", "close", str(task_id), "--outcome", "withdrawn")
    assert result.exit_code == 0 and f"callback {task_id} closed (withdrawn)" in result.output
    with engine.connect() as conn:
        row = conn.execute(sa.select(tasks_table).where(tasks_table.c.id == task_id)).mappings().one()
        trail = conn.execute(sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target)
                             .where(audit_log.c.action == "callback.close")).all()
    assert (row["status"], row["outcome"]) == ("closed", "withdrawn")
    assert trail == [("cli", "callback.close", f"callback:{task_id}")]


def test_api_clients_have_scopes_and_can_be_revoked(ivr, client, engine, phone, clock, work):
    _callback_call(phone, clock)
    work()
    created = ivr("api-clients", "create", "statistik", "--scope", "callbacks:read")
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/callbacks", headers=headers).status_code == 200
    assert client.patch("/api/callbacks/1", json={"status": "closed", "outcome": "resolved"},
                        headers=headers).status_code == 401  # no callbacks:write
    assert client.get("/api/desks", headers=headers).status_code == 401
    assert client.get("/api/callbacks", headers={"Authorization": "Bearer ivr_guessed"}).status_code == 401
    with engine.connect() as conn:
        stored = conn.execute(sa.select(api_clients)).mappings().one()
        trail = conn.execute(sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target,
                                       audit_log.c.detail)).all()
    assert token not in json.dumps(dict(stored), default=str) and stored["last_used_at"] is not None
    assert (f"api:{stored['id']}", "api.callbacks.list") in [(a, b) for a, b, _, _ in trail]
    assert not any(f in str(trail) for f in FORMS)
    listed = ivr("api-clients", "list").output
    assert "statistik\tactive\tcallbacks:read" in listed and token not in listed
    assert ivr("api-clients", "create", "statistik", "--scope", "callbacks:read").exit_code == 1
    assert ivr("api-clients", "create", "x1", "--scope", "everything").exit_code == 1
    assert ivr("api-clients", "revoke", "statistik").exit_code == 0
    assert client.get("/api/callbacks", headers=headers).status_code == 401
    assert "revoked" in ivr("api-clients", "list").output


def test_no_log_line_holds_the_callers_number(phone, clock, work, caplog, twilio):
    twilio.recordings["RE" + "1" * 32] = b"RIFF"
    caplog.set_level(logging.DEBUG)
    _callback_call(phone, clock, message=True)
    anonymous = phone(caller="anonymous")
    anonymous.call()
    anonymous.press("1")
    anonymous.press("2")
    anonymous.press("017612345678")  # keyed in
    work()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) > 5
    leaks = [line for line in lines for form in FORMS if form in line]
    assert not leaks, leaks[:3]
