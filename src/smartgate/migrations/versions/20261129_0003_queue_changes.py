"""Queue change log: which entries each queue version touched, for other processes' boards.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_changes",
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("policy", sa.Boolean(), nullable=False),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("gate_id", "direction", "version", name=op.f("pk_queue_changes")),
    )


def downgrade() -> None:
    op.drop_table("queue_changes")
