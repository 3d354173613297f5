"""Security: demo accounts and password-change times on users; the credential change log
(sign-outs, switched-off accounts, new passwords) with its version row; sign-in attempt
counters; booking requests per account; one live booking per declaration.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from smartgate.db import UTCDateTime
from smartgate.identity.security import verify_password

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_BOOKING = "status IN ('active', 'held')"
# The demo users as demo mode named them up to revision 0003 (a migration keeps its own copy).
DEMO_NAMES = ("driver1", "driver2", "forwarder1", "operator-huunghi", "operator-mongcai",
              "authority-vn")  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("tokens_after", UTCDateTime(), nullable=True))
    _flag_earlier_demo_users()
    state = op.create_table(
        "credentials_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials_state")),
    )
    op.bulk_insert(state, [{"id": 1, "version": 0}])
    op.create_table(
        "credential_changes",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(length=32), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_credential_changes")),
        sa.UniqueConstraint("token_id", name=op.f("uq_credential_changes_token_id")),
    )
    op.create_index(op.f("ix_credential_changes_expires_at"), "credential_changes", ["expires_at"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("key", sa.String(length=140), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_sign_in_attempts")),
    )
    op.create_index(op.f("ix_sign_in_attempts_window_start"), "sign_in_attempts", ["window_start"])
    op.create_table(
        "booking_attempts",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "number", name=op.f("pk_booking_attempts")),
    )
    op.create_index(
        "uq_bookings_one_per_declaration",
        "bookings",
        ["declaration_id"],
        unique=True,
        sqlite_where=sa.text(LIVE_BOOKING),
        postgresql_where=sa.text(LIVE_BOOKING),
    )


def _flag_earlier_demo_users() -> None:
    # Demo mode of earlier versions made these users with the password `demo` and left no
    # mark; a real account that happens to share a name keeps its own password and stays.
    users = sa.table(
        "users", sa.column("id"), sa.column("username"), sa.column("password_hash"),
        sa.column("demo", sa.Boolean()),
    )  # fmt: skip
    named = op.get_bind().execute(
        sa.select(users.c.id, users.c.password_hash).where(users.c.username.in_(DEMO_NAMES))
    )
    demo_ids = [row.id for row in named if verify_password("demo", row.password_hash)]
    if demo_ids:
        op.execute(users.update().where(users.c.id.in_(demo_ids)).values(demo=True))


def downgrade() -> None:
    op.drop_index("uq_bookings_one_per_declaration", table_name="bookings")
    op.drop_table("booking_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_table("credential_changes")
    op.drop_table("credentials_state")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("tokens_after")
        batch_op.drop_column("demo")
