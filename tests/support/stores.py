"""Empty the shared test database and Redis between tests or modules."""

from __future__ import annotations

import redis
from sqlalchemy.engine import Engine

from ivr.store import db


def empty_tables(engine: Engine) -> None:
    """Delete every row of every table (children first)."""
    with engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def empty_stores(engine: Engine, redis_url: str) -> None:
    """Empty the tables and the test's Redis database."""
    empty_tables(engine)
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
