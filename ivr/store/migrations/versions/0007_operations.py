"""supervisors and operations: indexes for the dashboard figures

Revision ID: 0007
Revises: 0001
"""
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_calls_local_date_outcome": ("calls", ["local_date", "outcome", "desk"]),
    "ix_calls_local_date_language": ("calls", ["local_date", "language"]),
    "ix_calls_local_date_weekday_hour": ("calls", ["local_date", "local_weekday", "local_hour"]),
    "ix_callbacks_status_desk_due": ("callbacks", ["status", "desk", "due_at"]),
    "ix_callbacks_local_date_desk": ("callbacks", ["local_date", "desk", "status", "due_at", "closed_at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
