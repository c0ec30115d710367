"""`ivr privacy erase`: asks first, refuses what is no number, reports what it erased."""

from __future__ import annotations

import sqlalchemy as sa

from ivr.store.db import callbacks as callbacks_table


def test_erase_asks_before_it_erases(cli, make_task, engine):
    make_task(phone="+4917612345678")
    aborted = cli("privacy", "erase", "+4917612345678", input="n\n")
    assert aborted.exit_code == 1 and "Aborted" in aborted.output
    with engine.connect() as conn:
        assert conn.execute(sa.select(callbacks_table.c.phone)).scalar_one() == "+4917612345678"
    erased = cli("privacy", "erase", "0176 1234 5678", input="y\n")
    assert erased.exit_code == 0, erased.output
    assert "open_tasks_closed: 1" in erased.output
    with engine.connect() as conn:
        assert conn.execute(sa.select(callbacks_table.c.phone)).scalar_one() != "+4917612345678"


def test_erase_refuses_what_is_not_a_number(cli):
    result = cli("privacy", "erase", "hello", "--yes")
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "not a phone number" in result.output
