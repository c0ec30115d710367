"""The SQLite file holds callers' numbers: only its owner may read it, nor its -wal and -shm files."""

from __future__ import annotations

import os
import stat

import sqlalchemy as sa

from ivr.store import db


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_file_and_its_wal_files_are_private(tmp_path):
    old = os.umask(0o022)  # the usual umask: files would come out 0644
    try:
        path = tmp_path / "instance" / "ivr.sqlite3"
        engine = db.make_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            for name in ("ivr.sqlite3", "ivr.sqlite3-wal", "ivr.sqlite3-shm"):
                assert _mode(path.parent / name) == 0o600, name
        engine.dispose()
    finally:
        os.umask(old)

def test_existing_files_are_tightened_at_start(tmp_path):
    path = tmp_path / "ivr.sqlite3"
    for name in ("ivr.sqlite3", "ivr.sqlite3-wal", "ivr.sqlite3-shm"):
        (tmp_path / name).touch()
        os.chmod(tmp_path / name, 0o644)
    db.make_engine(f"sqlite:///{path}").dispose()
    assert [_mode(tmp_path / n) for n in ("ivr.sqlite3", "ivr.sqlite3-wal", "ivr.sqlite3-shm")] == [0o600] * 3


def test_a_pooled_connection_is_not_reused_once_its_file_was_replaced(tmp_path):
    # the worker lives long now: after a restore (file replaced) it must write to the new file, not the old inode
    path = tmp_path / "ivr.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    for name in ("ivr.sqlite3", "ivr.sqlite3-wal", "ivr.sqlite3-shm"):
        if (tmp_path / name).exists():
            (tmp_path / name).rename(tmp_path / f"old-{name}")
    restored = db.make_engine(f"sqlite:///{path}")
    with restored.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO t VALUES (2)"))
    restored.dispose()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT x FROM t")).scalars().all() == [2]
    engine.dispose()
