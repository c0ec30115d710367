"""The relational store: table definitions, engine creation and migrations (SQLite or PostgreSQL)."""

from __future__ import annotations

import logging
import os
from datetime import UTC
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes in UTC on both databases (SQLite alone would hand back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the process clock in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TZ = UTCDateTime()

calls = sa.Table(
    "calls", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("call_sid", sa.String(64), nullable=False, unique=True),
    sa.Column("caller", sa.String(32)),  # E.164; pseudonymised after the retention period
    sa.Column("caller_hash", sa.String(64)),  # keyed hash: counts repeat callers without the number
    sa.Column("language", sa.String(8)),
    sa.Column("path", sa.Text, nullable=False, default="[]"),  # JSON list of node ids
    sa.Column("desk", sa.String(48)),
    sa.Column("outcome", sa.String(24)),
    sa.Column("status", sa.String(24)),
    sa.Column("status_rank", sa.Integer, nullable=False, default=0),
    sa.Column("flow_version", sa.String(24)),
    sa.Column("started_at", TZ),
    sa.Column("ended_at", TZ),
    sa.Column("duration", sa.Integer),
    sa.Column("local_date", sa.Date),  # Europe/Berlin, stored so SQLite and PostgreSQL group alike
    sa.Column("local_weekday", sa.SmallInteger),
    sa.Column("local_hour", sa.SmallInteger),
    sa.Column("wait_seconds", sa.Integer),  # in a desk's queue (queue desks only)
    sa.Column("talk_seconds", sa.Integer),  # connected to a person (queue desks only)
    sa.Column("answered_by", sa.Integer),  # the user who took the call; pseudonymised in the API
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Index("ix_calls_local_date_desk", "local_date", "desk"),
    sa.Index("ix_calls_started_at", "started_at"),
)

callbacks = sa.Table(
    "callbacks", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("desk", sa.String(48), nullable=False),
    sa.Column("phone", sa.String(32)),  # E.164; stripped when a closed task passes its retention
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("call_sid", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default="open"),  # open | closed
    sa.Column("outcome", sa.String(32)),
    sa.Column("recording_url", sa.Text),
    sa.Column("recording_sid", sa.String(64)),
    sa.Column("recording_path", sa.Text),
    sa.Column("recording_duration", sa.Integer),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("due_at", TZ, nullable=False),
    sa.Column("next_attempt_at", TZ),
    sa.Column("closed_at", TZ),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Column("local_date", sa.Date),
    sa.Column("queued_at", TZ),  # when the caller joined the desk's queue before asking for the callback
    sa.Column("window", sa.String(16)),  # when calls suit the caller: morning | afternoon | any | a desk's own id
    sa.Column("promised_by", sa.Date),  # the day spoken to the caller (local date): called back by its end
    sa.Column("reference", sa.String(12)),  # short reference for the caller (SMS), e.g. R-4821
    sa.Column("sms_consent", sa.Boolean),  # the caller pressed 1 for an SMS confirmation (null: not asked)
    sa.UniqueConstraint("call_sid", "desk", name="uq_callbacks_call_sid_desk"),
    sa.Index("ix_callbacks_desk_status_due", "desk", "status", "due_at"),
    sa.Index("ix_callbacks_phone_status", "phone", "status"),
    sa.Index("ix_callbacks_created_at", "created_at"),
)

events = sa.Table(
    "events", metadata,  # durable intake and outbox: webhooks write here, jobs carry only the id
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("dedupe_key", sa.String(160), nullable=False, unique=True),
    sa.Column("call_sid", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("enqueued_at", TZ),
    sa.Column("processed_at", TZ),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Index("ix_events_pending", "processed_at", "enqueued_at"),
    sa.Index("ix_events_call_sid", "call_sid"),
)

closures = sa.Table(
    "closures", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("desk", sa.String(48), nullable=False),  # a desk id, or "*" for the whole house
    sa.Column("kind", sa.String(16), nullable=False),  # closure | announcement | overflow
    sa.Column("until", TZ, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("message", sa.Text, nullable=False, default="{}"),  # JSON: language -> text
    sa.Column("value", sa.String(64)),  # overflow: the number
    sa.Column("created_by", sa.String(64)),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("ended_at", TZ),
    sa.Index("ix_closures_active", "kind", "ended_at", "until"),
)

audit_log = sa.Table(
    "audit_log", metadata,  # append-only: who did what to which record id, never a phone number
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", TZ, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(48), nullable=False),
    sa.Column("target", sa.String(96)),
    sa.Column("detail", sa.Text),
    sa.Index("ix_audit_log_at", "at"),
)

# Tables of later features are added below their area's marker, each with its own migration file.
# --- reliability and data protection ---
api_clients = sa.Table(
    "api_clients", metadata,  # named API clients: a hash of the token and scopes, never the token itself
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scopes", sa.Text, nullable=False, default=""),  # space-separated, e.g. "callbacks:read calls:read"
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("revoked_at", TZ),
    sa.Column("last_used_at", TZ),
)
# --- staff workbench ---
users = sa.Table(
    "users", metadata,  # staff accounts: role staff | supervisor | operator | admin
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(128), nullable=False, default=""),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("role", sa.String(16), nullable=False, default="staff"),
    sa.Column("phone", sa.String(32)),  # the staff member's own phone for click-to-call; never shown to callers
    sa.Column("languages", sa.String(128), nullable=False, default="de"),  # comma-separated language ids
    sa.Column("ui_lang", sa.String(8), nullable=False, default="de"),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

desk_members = sa.Table(
    "desk_members", metadata,  # staff work these desks; supervisors oversee them
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("desk", sa.String(48), primary_key=True),
)

staff_sessions = sa.Table(
    "staff_sessions", metadata,  # one row per open login: logout, a password reset or deactivation deletes it
    sa.Column("token_hash", sa.String(64), primary_key=True),  # SHA-256 of the cookie's token, never the token
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("expires_at", TZ, nullable=False),
)

task_claims = sa.Table(
    "task_claims", metadata,  # who works a callback task now; one row per task at most
    sa.Column("callback_id", sa.Integer, sa.ForeignKey("callbacks.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("claimed_at", TZ, nullable=False),
)

task_history = sa.Table(
    "task_history", metadata,  # every claim, attempt, note, forward and close of a task: who and when
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("callback_id", sa.Integer, sa.ForeignKey("callbacks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", TZ, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # claim, release, claim_expired, attempt, forward, close, call
    sa.Column("outcome", sa.String(32)),
    sa.Column("desk", sa.String(48)),  # forward: the new desk
    sa.Column("note", sa.Text),
    sa.Index("ix_task_history_callback_id", "callback_id", "at"),
)
# --- live queue: staff presence ---
staff_presence = sa.Table(
    "staff_presence", metadata,  # a person's current status; no row means signed_out
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # available, paused, signed_out, wrap_up
    sa.Column("reason", sa.String(64)),  # e.g. "missed" for a pause the service set
    sa.Column("since", TZ, nullable=False),
    sa.Column("until", TZ),  # wrap_up: when it turns into available (on read, no timer)
    sa.Column("busy_with", sa.Integer),  # the queue entry offered to or connected with this person, else null
    sa.Column("last_call_end", TZ),  # idle since: the longest idle available person is offered a caller first
)

presence_history = sa.Table(
    "presence_history", metadata,  # every change of a person's status, append-only
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", TZ, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64)),
    sa.Index("ix_presence_history_user_id", "user_id", "at"),
)
# --- live queue: callers waiting at queue desks ---
queue_entries = sa.Table(
    "queue_entries", metadata,  # one row per caller who joined a desk's queue; the durable facts of the wait
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("call_sid", sa.String(64), nullable=False, unique=True),
    sa.Column("desk", sa.String(48), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # waiting | offered | accepted | connected | ended
    sa.Column("joined_at", TZ, nullable=False),
    sa.Column("leave_reason", sa.String(16)),  # caller | timeout | closed | nobody | error: asked to leave
    sa.Column("result", sa.String(16)),  # answered | callback | timeout | closed | nobody | abandoned | error
    sa.Column("agent_id", sa.Integer),  # the person offered (offered) or connected (connected, answered)
    sa.Column("agent_call_sid", sa.String(64)),  # the offer's call to that person
    sa.Column("offered_at", TZ),
    sa.Column("offers", sa.Integer, nullable=False, default=0),
    sa.Column("connected_at", TZ),
    sa.Column("ended_at", TZ),
    sa.Column("wait_seconds", sa.Integer),
    sa.Column("talk_seconds", sa.Integer),
    sa.Index("ix_queue_entries_desk_state", "desk", "state", "joined_at"),
)

queue_log = sa.Table(
    "queue_log", metadata,  # every join, offer, acceptance, miss, connection and end, for the call's record
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("call_sid", sa.String(64), nullable=False),
    sa.Column("at", TZ, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # joined offered accepted missed connected ended left
    sa.Column("user_id", sa.Integer),  # pseudonymised in the API
    sa.Column("detail", sa.String(64)),
    sa.Index("ix_queue_log_call_sid", "call_sid", "at"),
)

queue_stats = sa.Table(
    "queue_stats", metadata,  # smoothed handle time of answered calls per desk and language, for the estimate
    sa.Column("desk", sa.String(48), primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("handle_seconds", sa.Float, nullable=False),
    sa.Column("samples", sa.Integer, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)
# --- callers' SMS: confirmations sent, delivery states, replies ---
sms_messages = sa.Table(
    "sms_messages", metadata,  # one row per SMS sent (or refused) for a task or as an answer to a reply
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("callback_id", sa.Integer, sa.ForeignKey("callbacks.id", ondelete="CASCADE")),
    sa.Column("dedupe_key", sa.String(96), nullable=False, unique=True),  # each SMS is sent once, never twice
    sa.Column("kind", sa.String(16), nullable=False),  # confirm | unreached | received | cancelled | neutral
    sa.Column("phone", sa.String(32)),  # E.164; stripped with the task's personal data
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("body", sa.Text),  # the text sent; stripped with the task's personal data
    sa.Column("message_sid", sa.String(64), unique=True),
    sa.Column("status", sa.String(16), nullable=False),  # pending queued sent delivered undelivered failed refused
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Index("ix_sms_messages_phone_created", "phone", "created_at"),
)
# --- operators: flow versions ---
flow_versions = sa.Table(
    "flow_versions", metadata,  # every published flows+config version; the active one is served everywhere
    sa.Column("id", sa.String(24), primary_key=True),  # the bundle's version hash
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("published_by", sa.String(64), nullable=False),
    sa.Column("sources", sa.Text, nullable=False),  # JSON: {"files": {name: text}, "config": text}
    sa.Column("active", sa.Boolean, nullable=False, default=False),
    sa.Column("activated_at", TZ),
)
# --- supervisors and operations ---
# Indexes of the supervisor dashboard's aggregates (migration 0007); the tables themselves are above.
sa.Index("ix_calls_local_date_outcome", calls.c.local_date, calls.c.outcome, calls.c.desk)
sa.Index("ix_calls_local_date_language", calls.c.local_date, calls.c.language)
sa.Index("ix_calls_local_date_weekday_hour", calls.c.local_date, calls.c.local_weekday, calls.c.local_hour)
sa.Index("ix_callbacks_status_desk_due", callbacks.c.status, callbacks.c.desk, callbacks.c.due_at)
sa.Index("ix_callbacks_local_date_desk", callbacks.c.local_date, callbacks.c.desk, callbacks.c.status,
         callbacks.c.due_at, callbacks.c.closed_at)


WEB_STATEMENT_MS = 1500
"""Longest a web request waits on one database statement (Twilio gives up after 15 s in all)."""
WORKER_STATEMENT_MS = 30000
"""Longest a job waits on one statement; jobs are retried, callers are not waiting."""


def private_sqlite_file(path: Path) -> None:
    """Create a SQLite file readable by its owner only (it holds phone numbers); tighten existing ones and their
    -wal/-shm files (SQLite gives those the database file's mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for name in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        try:
            if name.stat().st_mode & 0o077:
                name.chmod(0o600)
        except FileNotFoundError:
            continue
        except PermissionError:  # another user's file: the process can still use it, but say so
            log.warning("cannot make %s private (owner %s)", name.name, name.stat().st_uid)


def _identity(path: str) -> tuple[int, int] | None:
    """Device and inode of a file, None when it is gone: a long-lived connection must not write to a file that
    was moved away or replaced (a restored backup, an unmounted volume) while new ones open another."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def make_engine(url: str, web: bool = False, rederivable: bool = False) -> Engine:
    """Create an engine with short timeouts for web processes, so a webhook never waits long on the database.

    `rederivable`: every write through this engine can be made again from rows already durable (the worker
    applying stored events, which marks them processed in the same transaction); its commits do not wait for the
    disk. A power loss may undo the last of them, and the event is then applied again. Webhooks' own writes (the
    durable intake of what callers asked for) always wait for the disk.
    """
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        on_disk = bool(path) and path != ":memory:" and not path.startswith("file:")
        if on_disk:
            private_sqlite_file(Path(path))
        engine = sa.create_engine(url, connect_args={"timeout": 5}, hide_parameters=True)  # no numbers in errors

        if on_disk:
            @sa.event.listens_for(engine, "checkout")
            def _same_file(_conn, record, _proxy):  # SQLite's pre-ping: is the file there, and the one we opened?
                if record.info.get("file") != _identity(path):
                    raise sa.exc.DisconnectionError("the database file was moved or replaced")

        @sa.event.listens_for(engine, "connect")
        def _pragmas(conn, record):  # WAL lets web and worker processes write side by side
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={2000 if web else 10000}")
            # FULL: each commit is on disk before it returns (about 6 ms of fsync on this machine's disk, held
            # under the write lock); NORMAL only at checkpoints - safe from process crashes, not power loss
            cur.execute(f"PRAGMA synchronous={'NORMAL' if rederivable else 'FULL'}")
            cur.close()
            if on_disk:
                record.info["file"] = _identity(path)

        return engine
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    options = f"-c statement_timeout={WEB_STATEMENT_MS if web else WORKER_STATEMENT_MS}"
    if rederivable:
        options += " -c synchronous_commit=off"  # never corrupts; a crash may undo the last commits (see above)
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=2, hide_parameters=True,
                            connect_args={"connect_timeout": 2, "options": options})


def alembic_config(url: str):  # -> alembic.config.Config
    """Return an Alembic config for our migrations folder (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Apply every migration; running it twice changes nothing."""
    from alembic import command

    command.upgrade(alembic_config(url), "heads")  # feature branches may add parallel heads
