"""Staff presence: a person's status with its rules, wrap-up ending on read, and an append-only history in UTC."""

from __future__ import annotations

import threading
from datetime import UTC
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ivr.hotline import presence
from ivr.hotline import users
from ivr.hotline.presence import Change
from ivr.hotline.presence import PresenceError
from ivr.store.db import presence_history

PASSWORD = "a long test password"


def _person(conn, clock, name: str = "anna", phone: str | None = "+4920212345") -> int:
    return users.create(conn, name, PASSWORD, "staff", clock(), phone=phone)


def _rows(conn, user_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(presence_history).where(presence_history.c.user_id == user_id)
    return conn.execute(query).scalar()


def test_a_person_never_set_is_signed_out(engine, clock):
    with engine.begin() as conn:
        anna = _person(conn, clock)
        assert presence.current(conn, anna, clock()) == presence.Presence("signed_out", None)
        assert presence.history(conn, anna, clock()) == []


def test_changes_are_kept_with_their_time_in_utc_and_reason(engine, clock):
    start = clock()
    with engine.begin() as conn:
        anna = _person(conn, clock)
        assert presence.set_status(conn, anna, "available", start)
        assert presence.set_status(conn, anna, "paused", start + timedelta(minutes=5), reason="missed")
        now = presence.current(conn, anna, start + timedelta(minutes=6))
        assert (now.status, now.reason, now.since) == ("paused", "missed", start + timedelta(minutes=5))
        assert now.since.tzinfo == UTC
        assert presence.set_status(conn, anna, "signed_out", start + timedelta(minutes=9))
        changes = presence.history(conn, anna, start + timedelta(hours=1))
    assert changes == [Change(start, "available"), Change(start + timedelta(minutes=5), "paused", "missed"),
                       Change(start + timedelta(minutes=9), "signed_out")]
    assert all(change.at.tzinfo == UTC for change in changes)


def test_the_same_status_again_changes_nothing(engine, clock):
    with engine.begin() as conn:
        anna = _person(conn, clock)
        assert presence.set_status(conn, anna, "paused", clock(), reason="missed")
        assert not presence.set_status(conn, anna, "paused", clock() + timedelta(minutes=1))
        assert presence.set_status(conn, anna, "signed_out", clock() + timedelta(minutes=1))
        assert _rows(conn, anna) == 2
        assert presence.current(conn, anna, clock() + timedelta(minutes=2)).status == "signed_out"
        assert not presence.set_status(conn, anna, "signed_out", clock() + timedelta(minutes=3))
        assert _rows(conn, anna) == 2


def test_a_person_never_set_signing_out_writes_nothing(engine, clock):
    with engine.begin() as conn:
        anna = _person(conn, clock)
        assert not presence.set_status(conn, anna, "signed_out", clock())
        assert _rows(conn, anna) == 0


def test_wrap_up_returns_to_available_on_its_own_after_the_desks_seconds(engine, clock):
    start = clock()
    with engine.begin() as conn:
        anna = _person(conn, clock)
        presence.set_status(conn, anna, "available", start)
        assert presence.set_status(conn, anna, "wrap_up", start + timedelta(minutes=1), wrap_up_seconds=60)
        assert presence.current(conn, anna, start + timedelta(seconds=119)).status == "wrap_up"
        back = presence.current(conn, anna, start + timedelta(seconds=120))
        assert (back.status, back.since, back.reason) == ("available", start + timedelta(seconds=120), "wrap_up ended")
        assert not presence.set_status(conn, anna, "available", start + timedelta(minutes=5))  # she already is
        assert presence.history(conn, anna, start + timedelta(minutes=5))[-1] == Change(
            start + timedelta(seconds=120), "available", "wrap_up ended")
        presence.set_status(conn, anna, "paused", start + timedelta(minutes=6))
        changes = presence.history(conn, anna, start + timedelta(minutes=7))
    assert [(c.status, c.at - start) for c in changes] == [
        ("available", timedelta(0)), ("wrap_up", timedelta(minutes=1)), ("available", timedelta(minutes=2)),
        ("paused", timedelta(minutes=6))]


@pytest.mark.parametrize("status", ["busy", "Available", ""])
def test_an_unknown_status_is_refused_naming_the_allowed_ones(engine, clock, status):
    with engine.begin() as conn:
        anna = _person(conn, clock)
        with pytest.raises(PresenceError) as info:
            presence.set_status(conn, anna, status, clock())
        assert str(info.value) == f"unknown status {status!r}; use one of available, paused, signed_out, wrap_up"
        assert _rows(conn, anna) == 0


@pytest.mark.parametrize("phone", [None, "", "  "])
@pytest.mark.parametrize("status", ["available", "wrap_up"])
def test_a_person_without_a_phone_number_cannot_take_calls(engine, clock, phone, status):
    with engine.begin() as conn:
        bert = _person(conn, clock, "bert", phone=phone)
        with pytest.raises(PresenceError, match=r"'bert' has no phone number, so calls cannot be put through"):
            presence.set_status(conn, bert, status, clock(), wrap_up_seconds=60)
        assert presence.set_status(conn, bert, "paused", clock())  # a break needs no phone
        assert presence.current(conn, bert, clock()).status == "paused"
        assert _rows(conn, bert) == 1


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"status": "wrap_up"}, "wrap_up needs the desk's wrap_up_seconds"),
    ({"status": "wrap_up", "wrap_up_seconds": 0}, "wrap_up needs the desk's wrap_up_seconds"),
    ({"status": "paused", "reason": "x" * 65}, "reason is longer than 64 characters"),
])
def test_a_bad_wrap_up_or_reason_is_refused(engine, clock, kwargs, message):
    with engine.begin() as conn:
        anna = _person(conn, clock)
        with pytest.raises(PresenceError, match=message):
            presence.set_status(conn, anna, now=clock(), **kwargs)
        assert presence.current(conn, anna, clock()).status == "signed_out"


def test_an_unknown_person_is_refused(engine, clock):
    with engine.begin() as conn, pytest.raises(PresenceError, match="unknown user id 4711"):
        presence.set_status(conn, 4711, "paused", clock())



def test_two_first_changes_at_once_both_land_one_after_the_other(engine, clock):
    with engine.begin() as conn:
        anna = _person(conn, clock)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def change(status: str) -> None:
        try:
            with engine.begin() as conn:
                start.wait()
                presence.set_status(conn, anna, status, clock())
        except BaseException as exc:  # noqa: BLE001 - the test reports any failure of either thread
            errors.append(exc)

    threads = [threading.Thread(target=change, args=(status,)) for status in ("available", "paused")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert sorted(change.status for change in presence.history(conn, anna, clock())) == ["available", "paused"]
