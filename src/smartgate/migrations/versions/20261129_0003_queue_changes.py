"""Queue change log (which entries each queue version touched, for other processes' boards);
notices keep their wording's id and values, so the web can show them in the reader's language;
gates set how long a declaration stays valid after its expected arrival.

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
        sa.Column("entry_ids", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("gate_id", "direction", "version", name=op.f("pk_queue_changes")),
    )
    with op.batch_alter_table("gate_rules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("declaration_valid_hours", sa.Integer(), nullable=False, server_default="72")
        )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_id", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gate_rules", schema=None) as batch_op:
        batch_op.drop_column("declaration_valid_hours")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("params")
        batch_op.drop_column("text_id")
    op.drop_table("queue_changes")
