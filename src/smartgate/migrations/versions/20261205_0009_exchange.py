"""The exchange with the other side's instance: peers, each stream's counter, the outbox and
inbox, refused envelopes, and the manifests the other side announced.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import smartgate.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("public_key", sa.String(length=60), nullable=False),
        sa.Column("created_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_contact_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sender_lease", sa.String(length=60), nullable=True),
        sa.Column("sender_lease_until", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_peers")),
        sa.UniqueConstraint("name", name=op.f("uq_exchange_peers_name")),
        sa.UniqueConstraint("public_key", name=op.f("uq_exchange_peers_public_key")),
    )
    op.create_table(
        "exchange_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=60), nullable=True),
        sa.Column("message_id", sa.String(length=60), nullable=True),
        sa.Column("address", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_refusals")),
    )
    with op.batch_alter_table("exchange_refusals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchange_refusals_at"), ["at"], unique=False)

    op.create_table(
        "exchange_inbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("applied_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["exchange_peers.id"],
            name=op.f("fk_exchange_inbox_peer_id_exchange_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_inbox")),
        sa.UniqueConstraint("peer_id", "stream", "seq", name=op.f("uq_exchange_inbox_peer_id")),
    )
    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_inbox_type", ["type", "received_at"], unique=False)

    op.create_table(
        "exchange_manifests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("gate_id", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("expected_arrival", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tractor_plate", sa.String(length=20), nullable=False),
        sa.Column("trailer_plate", sa.String(length=20), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("received_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("crossed_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("arrived_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["exchange_peers.id"],
            name=op.f("fk_exchange_manifests_peer_id_exchange_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_manifests")),
        sa.UniqueConstraint("peer_id", "reference", name=op.f("uq_exchange_manifests_peer_id")),
    )
    with op.batch_alter_table("exchange_manifests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exchange_manifests_gate", ["gate_id", "expected_arrival"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_exchange_manifests_tractor_plate"), ["tractor_plate"], unique=False
        )

    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", smartgate.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", smartgate.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["exchange_peers.id"],
            name=op.f("fk_exchange_outbox_peer_id_exchange_peers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_outbox")),
        sa.UniqueConstraint("peer_id", "stream", "seq", name=op.f("uq_exchange_outbox_peer_id")),
    )
    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exchange_outbox_due", ["peer_id", "status", "stream", "seq"], unique=False
        )

    op.create_table(
        "exchange_streams",
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"],
            ["exchange_peers.id"],
            name=op.f("fk_exchange_streams_peer_id_exchange_peers"),
        ),
        sa.PrimaryKeyConstraint("peer_id", "direction", "stream", name=op.f("pk_exchange_streams")),
    )


def downgrade() -> None:
    op.drop_table("exchange_streams")
    with op.batch_alter_table("exchange_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_outbox_due")

    op.drop_table("exchange_outbox")
    with op.batch_alter_table("exchange_manifests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_manifests_tractor_plate"))
        batch_op.drop_index("ix_exchange_manifests_gate")

    op.drop_table("exchange_manifests")
    with op.batch_alter_table("exchange_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_inbox_type")

    op.drop_table("exchange_inbox")
    with op.batch_alter_table("exchange_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_refusals_at"))

    op.drop_table("exchange_refusals")
    op.drop_table("exchange_peers")
