"""live queue: queue_entries, queue_log, queue_stats; staff_presence.busy_with/last_call_end; calls' wait,
talk and answered_by; callbacks.queued_at

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "queue_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("desk", sa.String(length=48), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("joined_at", TZ, nullable=False),
        sa.Column("leave_reason", sa.String(length=16), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("agent_call_sid", sa.String(length=64), nullable=True),
        sa.Column("offered_at", TZ, nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("connected_at", TZ, nullable=True),
        sa.Column("ended_at", TZ, nullable=True),
        sa.Column("wait_seconds", sa.Integer(), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_entries")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_queue_entries_call_sid")),
    )
    op.create_index("ix_queue_entries_desk_state", "queue_entries", ["desk", "state", "joined_at"])
    op.create_table(
        "queue_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_log")),
    )
    op.create_index("ix_queue_log_call_sid", "queue_log", ["call_sid", "at"])
    op.create_table(
        "queue_stats",
        sa.Column("desk", sa.String(length=48), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("handle_seconds", sa.Float(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("desk", "language", name=op.f("pk_queue_stats")),
    )
    with op.batch_alter_table("staff_presence") as batch:
        batch.add_column(sa.Column("busy_with", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_call_end", TZ, nullable=True))
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("wait_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("talk_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("answered_by", sa.Integer(), nullable=True))
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("queued_at", TZ, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("queued_at")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("answered_by")
        batch.drop_column("talk_seconds")
        batch.drop_column("wait_seconds")
    with op.batch_alter_table("staff_presence") as batch:
        batch.drop_column("last_call_end")
        batch.drop_column("busy_with")
    op.drop_table("queue_stats")
    op.drop_index("ix_queue_log_call_sid", table_name="queue_log")
    op.drop_table("queue_log")
    op.drop_index("ix_queue_entries_desk_state", table_name="queue_entries")
    op.drop_table("queue_entries")
