"""The audit log: one entry per write, within its columns, on an engine or inside the caller's transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ivr.hotline import audit
from ivr.store.db import audit_log


def _entries(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_log).order_by(audit_log.c.id)).mappings().all()


def test_entries_are_cut_to_their_columns(engine, clock):
    audit.write(engine, "a" * 100, "b" * 100, "callback:" + "1" * 100, clock(), "detail")
    audit.write(engine, "cli", "privacy.erase", None, clock())
    long, short = _entries(engine)
    assert (len(long["actor"]), len(long["action"]), len(long["target"])) == (64, 48, 96)
    assert (short["target"], short["detail"], short["at"]) == ("", None, clock())


def test_an_entry_inside_a_transaction_goes_when_the_transaction_fails(engine, clock):
    with pytest.raises(RuntimeError), engine.begin() as conn:
        audit.write(conn, "anna", "view.task", "callback:1", clock())
        raise RuntimeError("the view failed")
    assert _entries(engine) == []
