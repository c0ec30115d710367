"""The append-only audit log: who did what to which record id (never a phone number), and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from ivr.store.db import audit_log


def write(target: Engine | Connection, actor: str, action: str, record: str | None, now: datetime,
          detail: str | None = None) -> None:
    """Append one entry; `record` names a record by kind and id, e.g. "callback:17"."""
    values = {"at": now, "actor": actor[:64], "action": action[:48], "target": (record or "")[:96],
              "detail": detail}
    if isinstance(target, Engine):
        with target.begin() as conn:
            conn.execute(audit_log.insert().values(**values))
    else:
        target.execute(audit_log.insert().values(**values))
