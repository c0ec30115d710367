"""callers know what happens next: callbacks.window/promised_by/reference/sms_consent, sms_messages

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("window", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("promised_by", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reference", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("sms_consent", sa.Boolean(), nullable=True))
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=96), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["callback_id"], ["callbacks.id"], name=op.f("fk_sms_messages_callback_id_callbacks"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_sms_messages_dedupe_key")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_sms_messages_message_sid")),
    )
    op.create_index("ix_sms_messages_phone_created", "sms_messages", ["phone", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_sms_messages_phone_created", table_name="sms_messages")
    op.drop_table("sms_messages")
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("sms_consent")
        batch.drop_column("reference")
        batch.drop_column("promised_by")
        batch.drop_column("window")
