"""Queue and policy: capacity, suspensions, gate rules, bookings, waiting area, notices.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:13:08.230687
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartgate.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "capacity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("side", sa.String(length=2), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("lane", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("hour_utc", sa.Integer(), nullable=False),
        sa.Column("trucks_per_hour", sa.Integer(), nullable=False),
        sa.Column("declared_by", sa.String(length=80), nullable=False),
        sa.Column("declared_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_capacity_gate_id_gates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity")),
    )
    with op.batch_alter_table("capacity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_capacity_lookup", ["gate_id", "direction", "hour_utc"], unique=False
        )

    op.create_table(
        "gate_rules",
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("priority_order", sa.JSON(), nullable=False),
        sa.Column("backlog_hours", sa.Float(), nullable=False),
        sa.Column("live_every", sa.Integer(), nullable=False),
        sa.Column("green_zone", sa.Boolean(), nullable=False),
        sa.Column("booking_share", sa.Float(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("no_show_minutes", sa.Integer(), nullable=False),
        sa.Column("no_show_limit", sa.Integer(), nullable=False),
        sa.Column("no_show_block_days", sa.Integer(), nullable=False),
        sa.Column("cancel_limit", sa.Integer(), nullable=False),
        sa.Column("rebook_cooldown_minutes", sa.Integer(), nullable=False),
        sa.Column("max_reschedules", sa.Integer(), nullable=False),
        sa.Column("bookings_per_minute", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_gate_rules_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("gate_id", name=op.f("pk_gate_rules")),
    )
    op.create_table(
        "queue_state",
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("booked_since_live", sa.Integer(), nullable=False),
        sa.Column("synced_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_queue_state_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("gate_id", "direction", name=op.f("pk_queue_state")),
    )
    op.create_table(
        "slot_counts",
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("slot_start", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_slot_counts_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("gate_id", "direction", "slot_start", name=op.f("pk_slot_counts")),
    )
    op.create_table(
        "suspensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gate_id", sa.String(length=40), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("hs_prefixes", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("starts_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_suspensions_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspensions")),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("slot_start", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("vehicle_key", sa.String(length=20), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("hold_reason", sa.String(length=300), nullable=True),
        sa.Column("reschedules", sa.Integer(), nullable=False),
        sa.Column("pass_code", sa.String(length=32), nullable=False),
        sa.Column("created_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_bookings_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_bookings_gate_id_gates")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_bookings_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("pass_code", name=op.f("uq_bookings_pass_code")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bookings_cancelled_at"), ["cancelled_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bookings_company"), ["company"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bookings_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index("ix_bookings_owner_created", ["owner_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_bookings_slot", ["gate_id", "direction", "slot_start"], unique=False
        )
        batch_op.create_index(
            "uq_bookings_one_per_vehicle",
            ["vehicle_key"],
            unique=True,
            sqlite_where=sa.text("status IN ('active', 'held')"),
            postgresql_where=sa.text("status IN ('active', 'held')"),
        )

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("created_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_notices_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_notices_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notices_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notices_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "queue_entries",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("vehicle_key", sa.String(length=20), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("arrived_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("slot_start", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("hs_codes", sa.JSON(), nullable=False),
        sa.Column("delivery_mode", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("hold_reason", sa.String(length=300), nullable=True),
        sa.Column("called_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("called_lane", sa.String(length=40), nullable=True),
        sa.Column("left_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_queue_entries_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declarations.id"],
            name=op.f("fk_queue_entries_declaration_id_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_queue_entries_gate_id_gates")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_queue_entries_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_queue_entries")),
        sa.UniqueConstraint("id", name=op.f("uq_queue_entries_id")),
    )
    with op.batch_alter_table("queue_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_queue_entries_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_queue_entries_vehicle_key"), ["vehicle_key"], unique=False
        )
        batch_op.create_index(
            "ix_queue_gate_status", ["gate_id", "direction", "status"], unique=False
        )
        batch_op.create_index(
            "uq_queue_one_per_vehicle",
            ["vehicle_key"],
            unique=True,
            sqlite_where=sa.text("status IN ('waiting', 'held', 'called')"),
            postgresql_where=sa.text("status IN ('waiting', 'held', 'called')"),
        )

    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "delivery_mode", sa.String(length=20), nullable=False, server_default="direct"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_column("delivery_mode")

    with op.batch_alter_table("queue_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_queue_one_per_vehicle",
            sqlite_where=sa.text("status IN ('waiting', 'held', 'called')"),
            postgresql_where=sa.text("status IN ('waiting', 'held', 'called')"),
        )
        batch_op.drop_index("ix_queue_gate_status")
        batch_op.drop_index(batch_op.f("ix_queue_entries_vehicle_key"))
        batch_op.drop_index(batch_op.f("ix_queue_entries_declaration_id"))

    op.drop_table("queue_entries")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_owner_id"))
        batch_op.drop_index(batch_op.f("ix_notices_declaration_id"))

    op.drop_table("notices")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bookings_one_per_vehicle",
            sqlite_where=sa.text("status IN ('active', 'held')"),
            postgresql_where=sa.text("status IN ('active', 'held')"),
        )
        batch_op.drop_index("ix_bookings_slot")
        batch_op.drop_index("ix_bookings_owner_created")
        batch_op.drop_index(batch_op.f("ix_bookings_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_company"))
        batch_op.drop_index(batch_op.f("ix_bookings_cancelled_at"))

    op.drop_table("bookings")
    op.drop_table("suspensions")
    op.drop_table("slot_counts")
    op.drop_table("queue_state")
    op.drop_table("gate_rules")
    with op.batch_alter_table("capacity", schema=None) as batch_op:
        batch_op.drop_index("ix_capacity_lookup")

    op.drop_table("capacity")
