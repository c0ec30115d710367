"""Migrations: `ivr db upgrade` creates every table and is safe to run again."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from ivr.cli.main import main
from ivr.store import db


def test_upgrade_twice_creates_all_tables(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output
    engine = db.make_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {t.name for t in db.metadata.sorted_tables} <= names
    assert "alembic_version" in names


def test_naive_datetimes_are_refused(engine):
    from datetime import datetime

    import pytest
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError, match="naive datetime"):
        with engine.begin() as conn:
            conn.execute(db.audit_log.insert().values(at=datetime(2026, 1, 1), actor="t", action="x"))
