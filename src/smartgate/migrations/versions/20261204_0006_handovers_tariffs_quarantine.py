"""Handovers at the line (delivery mode used, who drove each side, shuttle id), tariffs the
authority sets in the app, and each gate's quarantine chapters.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartgate.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("lane", sa.String(length=40), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("near_driver", sa.String(length=120), nullable=True),
        sa.Column("far_driver", sa.String(length=120), nullable=True),
        sa.Column("far_plate", sa.String(length=20), nullable=True),
        sa.Column("shuttle_id", sa.String(length=40), nullable=True),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_handovers_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_handovers_gate_id_gates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_handovers_declaration_id")),
    )
    op.create_table(
        "gate_tariffs",
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_gate_tariffs_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("gate_id", name=op.f("pk_gate_tariffs")),
    )
    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quarantine_chapters", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.drop_column("quarantine_chapters")
    op.drop_table("gate_tariffs")
    op.drop_table("handovers")
