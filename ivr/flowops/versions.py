"""Published versions of flows and config in the shared database: any instance can serve any of them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ivr.core.errors import ProblemsError
from ivr.core.yamldoc import Problem
from ivr.core.yamldoc import YamlSyntaxError
from ivr.core.yamldoc import parse
from ivr.flowops.check import Report
from ivr.flowops.check import check_with
from ivr.hotline import audit
from ivr.settings import parse_config
from ivr.store.db import flow_versions

CONFIG_NAME = "config.yaml"


@dataclass(frozen=True)
class Sources:
    """The texts a version is compiled from: flow files by name, and config.yaml."""

    files: dict[str, str]
    config: str

    def to_json(self) -> str:
        """Serialise for the database."""
        return json.dumps({"files": self.files, "config": self.config}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Sources:
        """Read back what to_json wrote."""
        data = json.loads(text)
        return cls(dict(data["files"]), data["config"])

    @classmethod
    def read(cls, flows_dir: str | Path, config_path: str | Path) -> Sources:
        """Read the flow files and the config file from disk."""
        files = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(flows_dir).glob("*.yaml"))}
        return cls(files, Path(config_path).read_text(encoding="utf-8"))

    def check(self, audio_dir: str | Path, label: str = "") -> Report:
        """Run `ivr flows check` on these texts (file names prefixed with `label`, e.g. flows/)."""
        try:
            config = parse_config(parse(self.config, CONFIG_NAME))
        except YamlSyntaxError as exc:
            return Report((exc.problem,), None, None)
        except ProblemsError as exc:
            return Report(tuple(exc.problems), None, None)
        named = [(label + name, text) for name, text in sorted(self.files.items())]
        return check_with(config, named, audio_dir)


@dataclass(frozen=True)
class Version:
    """One row of the history."""

    id: str
    created_at: datetime
    published_by: str
    active: bool
    activated_at: datetime | None


def publish(engine: Engine, version: str, sources: Sources, actor: str, now: datetime,
            record: bool = True) -> None:
    """Store a version (once) and make it the active one; `record` writes the audit log entry."""
    with engine.begin() as conn:
        # Insert-or-nothing in one statement: gunicorn's workers start together and all register the same version.
        insert = _dialect_insert(conn)(flow_versions).values(id=version, created_at=now, published_by=actor[:64],
                                                             sources=sources.to_json(), active=False)
        conn.execute(insert.on_conflict_do_nothing(index_elements=[flow_versions.c.id]))
        _activate(conn, version, now)
        if record:
            audit.write(conn, actor, "flows.publish", f"flow_version:{version}", now)


def rollback(engine: Engine, version: str, actor: str, now: datetime) -> None:
    """Make a stored version active again; raise KeyError when it is not stored."""
    with engine.begin() as conn:
        if conn.execute(sa.select(flow_versions.c.id).where(flow_versions.c.id == version)).first() is None:
            raise KeyError(version)
        _activate(conn, version, now)
        audit.write(conn, actor, "flows.rollback", f"flow_version:{version}", now)


def _dialect_insert(conn: sa.Connection):  # noqa: ANN202 - either dialect's insert construct
    """The insert construct with ON CONFLICT of the database in use (SQLite and PostgreSQL both have it)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _activate(conn: sa.Connection, version: str, now: datetime) -> None:
    conn.execute(flow_versions.update().where(flow_versions.c.id != version).where(flow_versions.c.active)
                 .values(active=False))
    conn.execute(flow_versions.update().where(flow_versions.c.id == version)
                 .values(active=True, activated_at=now))


def active(engine: Engine) -> str | None:
    """The id of the active version, or None when nothing is published."""
    with engine.connect() as conn:
        return conn.execute(sa.select(flow_versions.c.id).where(flow_versions.c.active)).scalar()


def known(engine: Engine, version: str) -> bool:
    """Whether a version is stored."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(flow_versions.c.id).where(flow_versions.c.id == version)).first()
    return row is not None


def load(engine: Engine, version: str) -> Sources | None:
    """The sources of a stored version."""
    with engine.connect() as conn:
        text = conn.execute(sa.select(flow_versions.c.sources).where(flow_versions.c.id == version)).scalar()
    return Sources.from_json(text) if text else None


def history(engine: Engine, limit: int = 50) -> list[Version]:
    """Stored versions, newest first."""
    query = sa.select(flow_versions.c.id, flow_versions.c.created_at, flow_versions.c.published_by,
                      flow_versions.c.active, flow_versions.c.activated_at) \
        .order_by(flow_versions.c.created_at.desc(), flow_versions.c.id).limit(limit)
    with engine.connect() as conn:
        return [Version(*row) for row in conn.execute(query)]


def describe(problems: list[Problem]) -> str:
    """Problems as lines for logs and messages."""
    return "\n".join(str(p) for p in problems)
