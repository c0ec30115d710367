"""What the live queue's fault tests share: workers that ring people through the Twilio stand-in, people signed in
for the information desk, callers in its queue, and the database of the run (PostgreSQL when
IVR_TEST_DATABASE_URL is set, else the stack's SQLite file)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa

from ivr.hotline import presence
from ivr.hotline import queueing
from ivr.hotline import users
from ivr.store import db
from tests.faults.conftest import ROOT
from tests.faults.conftest import Stack
from tests.unit.workers.conftest import ACCOUNT
from tests.unit.workers.twilio_standin import TwilioStandIn

PUBLIC = "https://hotline.example.org"


def use_database_of_the_run(stack: Stack) -> str:
    """Point the stack at PostgreSQL (an emptied schema) when the run has one; return the dialect's name."""
    url = os.environ.get("IVR_TEST_DATABASE_URL")
    if not url:
        return "sqlite"
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    stack.database_url = stack.worker_database_url = url
    return "postgresql"


def start_worker(stack: Stack, twilio: TwilioStandIn) -> subprocess.Popen:
    """`ivr worker` whose REST calls go to the stand-in and whose offers name PUBLIC."""
    log = (stack.tmp / "worker.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "ivr", "worker"], cwd=ROOT,
                               env=stack.env(DATABASE_URL=stack.worker_database_url, IVR_PUBLIC_URL=PUBLIC,
                                             TWILIO_API_BASE=twilio.url, TWILIO_ACCOUNT_SID=ACCOUNT),
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    stack.workers.append(process)
    return process


def sign_in(stack: Stack, name: str, languages: tuple[str, ...], phone: str) -> int:
    """Somebody of the information desk, available now."""
    now = datetime.now(UTC)
    with stack.engine.begin() as conn:
        user_id = users.create(conn, name, "a long test password", "staff", now, phone=phone, languages=languages)
        users.add_desk(conn, name, "info")
        presence.set_status(conn, user_id, presence.AVAILABLE, now)
    return user_id


def join(stack: Stack, n: int, language: str) -> queueing.Entry:
    """A caller in the information desk's queue (as the caller's webhook puts them there)."""
    with stack.engine.begin() as conn:
        return queueing.join(conn, f"CA{n:032d}", "info", language, datetime.now(UTC))


def offers_at_once(stack: Stack) -> tuple[int, int]:
    """From the queue log: the most offers one caller and one person held at the same time (1 and 1 when sound).

    An offer is held from "offered" until the caller's next step (missed, withdrawn, accepted and on, ended)."""
    rows = stack.rows("SELECT call_sid, kind, user_id FROM queue_log ORDER BY at, id")
    by_caller: dict[str, int] = {}
    by_person: dict[int, int] = {}
    holder: dict[str, int | None] = {}
    most_caller = most_person = 0
    for row in rows:
        sid, kind, user = row["call_sid"], row["kind"], row["user_id"]
        if kind == "offered":
            by_caller[sid] = by_caller.get(sid, 0) + 1
            by_person[user] = by_person.get(user, 0) + 1
            holder[sid] = user
        elif kind in ("missed", "withdrawn", "ended") and holder.get(sid) is not None:
            by_caller[sid] -= 1
            by_person[holder[sid]] -= 1
            holder[sid] = None
        most_caller = max([most_caller, *by_caller.values()])
        most_person = max([most_person, *by_person.values()])
    return most_caller, most_person
