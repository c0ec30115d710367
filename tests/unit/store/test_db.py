"""The relational store: migrations create every table (and are safe to run again), datetimes stay in UTC, and
each kind of process gets its own timeouts."""

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


def test_datetimes_come_back_aware_in_utc(engine):
    from datetime import UTC
    from datetime import datetime
    from datetime import timedelta
    from datetime import timezone

    berlin_winter = datetime(2026, 11, 24, 19, 30, tzinfo=timezone(timedelta(hours=1)))
    with engine.begin() as conn:
        conn.execute(db.audit_log.insert().values(at=berlin_winter, actor="t", action="x"))
        stored = conn.execute(sa.select(db.audit_log.c.at)).scalar_one()
    assert stored == berlin_winter and stored.tzinfo == UTC and stored.hour == 18


def _waits(engine: sa.engine.Engine) -> tuple[str, str]:
    """How long a statement may wait, and whether a commit waits for the disk, as the server sees them."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return (str(conn.exec_driver_sql("PRAGMA busy_timeout").scalar()),
                    str(conn.exec_driver_sql("PRAGMA synchronous").scalar()))
        return conn.exec_driver_sql("SHOW statement_timeout").scalar(), \
            conn.exec_driver_sql("SHOW synchronous_commit").scalar()


def test_a_web_engine_waits_briefly_and_a_rederivable_one_skips_the_disk_wait(database_url):
    # SQLite: busy_timeout ms and synchronous (2 FULL, 1 NORMAL); PostgreSQL: statement_timeout and synchronous_commit
    expected = {"sqlite": {"web": ("2000", "2"), "worker": ("10000", "2"), "rederivable": ("10000", "1")},
                "postgresql": {"web": ("1500ms", "on"), "worker": ("30s", "on"), "rederivable": ("30s", "off")}}
    found = {}
    for name, kwargs in {"web": {"web": True}, "worker": {}, "rederivable": {"rederivable": True}}.items():
        engine = db.make_engine(database_url, **kwargs)
        found[name] = _waits(engine)
        engine.dispose()
    assert found == expected[sa.engine.make_url(database_url).get_backend_name()]


def test_heroku_style_postgres_urls_use_psycopg():
    engine = db.make_engine("postgres://u@db.example/hotline")
    assert (engine.url.drivername, engine.url.host, engine.url.database) == ("postgresql+psycopg", "db.example",
                                                                             "hotline")
    engine.dispose()
