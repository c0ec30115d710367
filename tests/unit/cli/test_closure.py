"""`ivr closure` and `ivr announcement`: the API's rules, local times in the hotline's timezone, audited."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ivr.store.db import audit_log
from ivr.store.db import closures as closures_table


def _rows(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(closures_table).order_by(closures_table.c.id)).mappings().all()


def test_close_a_desk_until_a_local_time(cli, engine):
    result = cli("closure", "set", "zebera", "--until", "2099-12-01 12:00", "--reason", "Teamsitzung",
                 "-m", "de=Heute geschlossen.", "-m", "en=Closed today.")
    assert result.exit_code == 0, result.output
    [row] = _rows(engine)
    assert result.output == f"desk zebera closed until 2099-12-01 12:00 CET (closure {row['id']})\n"
    assert row["until"].replace(tzinfo=UTC) == datetime(2099, 12, 1, 11, 0, tzinfo=UTC)
    assert (row["desk"], row["kind"], row["reason"], row["created_by"]) == ("zebera", "closure", "Teamsitzung", "cli")
    assert cli("closure", "end", "zebera").output == "1 closure(s) ended\n"
    with engine.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.id)).scalars().all()
    assert actions == ["closure.set", "closure.end"]


def test_close_a_desk_until_a_weekday_as_operators_write_it(cli, engine):
    """The issue's example "Montag 12:00": the next Monday noon in Berlin (the command runs on the real clock)."""
    now = datetime.now(UTC)
    result = cli("closure", "set", "info", "--until", "Montag 12:00")
    assert result.exit_code == 0, result.output
    [row] = _rows(engine)
    local = row["until"].replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), local.hour, local.minute) == (0, 12, 0)
    assert now < local <= now + timedelta(days=7)
    assert result.output == f"desk info closed until {local:%Y-%m-%d} 12:00 {local:%Z} (closure {row['id']})\n"
    result = cli("announcement", "--until", "02.12.2099 16:00", "-m", "de=Stromausfall")
    assert result.output.endswith("live until 2099-12-02 16:00 CET\n")


def test_an_iso_time_with_offset_works_too(cli, engine):
    result = cli("closure", "set", "*", "--until", "2099-07-01T12:00+02:00")
    assert result.exit_code == 0 and "until 2099-07-01 12:00 CEST" in result.output
    assert _rows(engine)[0]["desk"] == "*"


def test_the_api_rules_refuse_with_one_error_line(cli, engine):
    cases = [
        (["zebera", "--until", "2001-01-01 12:00"], "until lies in the past"),
        (["zebera", "--until", "soon"], "until 'soon' is not a time I can read; use \"Mo 12:00\", \"Montag 12:00\""),
        (["zebera", "--until", "Montag"], "(local time, Europe/Berlin) or ISO-8601 like 2026-12-02T16:00+01:00"),
        (["zebera", "--until", "2099-12-01 12:00", "-m", "xx=Hallo"], "message must map language ids (de, "),
        (["zebera", "--until", "2099-12-01 12:00", "-m", "Hallo"], "use LANG=TEXT"),
        (["nowhere", "--until", "2099-12-01 12:00"], "unknown desk 'nowhere'; desks: "),
    ]
    for args, message in cases:
        result = cli("closure", "set", *args)
        assert result.exit_code == 2, args
        assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1, result.output
        assert message in result.output
    assert _rows(engine) == []


def test_announcement_set_and_end(cli, engine):
    assert cli("announcement", "-m", "de=Stromausfall").exit_code == 2  # --until is required
    result = cli("announcement", "--until", "2099-12-01 08:00", "-m", "de=Stromausfall")
    assert result.exit_code == 0 and result.output.endswith("live until 2099-12-01 08:00 CET\n")
    assert cli("announcement", "--end").output == "announcement ended\n"
    [row] = _rows(engine)
    assert (row["desk"], row["kind"], row["message"]) == ("*", "announcement", '{"de": "Stromausfall"}')
    assert row["ended_at"] is not None
