"""A callback in the API tells what the caller was promised: window, day, SMS state, reference, queue place."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from ivr.hotline import callbacks
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import sms_messages


def _task(engine, clock, sid: str, **values) -> int:
    now = clock()
    with engine.begin() as conn:
        task_id, new = callbacks.create(conn, "zebera", "+49176123456" + sid[2:4], "ar", sid, now,
                                        now + timedelta(hours=24), promised_by=date(2026, 12, 2), window="morning")
        assert new
        if values:
            conn.execute(callbacks_table.update().where(callbacks_table.c.id == task_id).values(**values))
    return task_id


def _sms(engine, clock, task_id: int, kind: str, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(sms_messages.insert().values(callback_id=task_id, dedupe_key=f"{kind}:{task_id}", kind=kind,
                                                  phone="+4917612345678", language="ar", status=status,
                                                  created_at=clock(), updated_at=clock()))


def test_window_day_sms_state_and_reference_are_listed(api, engine, clock):
    asked_none = _task(engine, clock, "CA" + "1" * 32)
    refused = _task(engine, clock, "CA" + "2" * 32, sms_consent=False, window="afternoon")
    waiting = _task(engine, clock, "CA" + "3" * 32, sms_consent=True)
    sent = _task(engine, clock, "CA" + "4" * 32, sms_consent=True, queued_at=clock() - timedelta(minutes=5))
    _sms(engine, clock, sent, "confirm", "delivered")
    _sms(engine, clock, sent, "unreached", "undelivered")
    old = _task(engine, clock, "CA" + "5" * 32, window=None, promised_by=None, reference=None)
    response = api.get("/api/callbacks")
    assert response.status_code == 200
    found = {item["id"]: item for item in response.get_json()["callbacks"]}
    assert {k: found[asked_none][k] for k in ("window", "promised_by", "sms", "queued_at")} == {
        "window": "morning", "promised_by": "2026-12-02", "sms": None, "queued_at": None}
    assert found[asked_none]["reference"] == callbacks.reference(asked_none)
    assert (found[refused]["window"], found[refused]["sms"]) == ("afternoon", None)
    assert found[waiting]["sms"] == "pending"  # consent given, the SMS not recorded yet
    assert found[sent]["sms"] == "undelivered"  # the newest SMS's state
    assert found[sent]["queued_at"] == (clock() - timedelta(minutes=5)).isoformat()
    assert {k: found[old][k] for k in ("window", "promised_by", "sms", "reference")} == {
        "window": "any", "promised_by": None, "sms": None, "reference": None}  # a task from before


def test_one_task_and_its_close_answer_carry_the_same_fields(api, engine, clock):
    task_id = _task(engine, clock, "CA" + "6" * 32, sms_consent=True)
    _sms(engine, clock, task_id, "confirm", "sent")
    response = api.patch(f"/api/callbacks/{task_id}", json={"status": "closed", "outcome": "resolved"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["sms"], body["window"], body["promised_by"], body["reference"]) == (
        "sent", "morning", "2026-12-02", callbacks.reference(task_id))
    with engine.connect() as conn:
        assert conn.execute(sa.select(callbacks_table.c.reference)).scalar() == callbacks.reference(task_id)
