"""Pass codes in one case: the codes issued so far (mixed case) are upper-cased in place, so
a code typed in any case finds its booking and the unique constraint also holds across case.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # upper() of ASCII is the same on SQLite and PostgreSQL; '-' and '_' stay as they are.
    op.execute(
        "UPDATE bookings SET pass_code = upper(pass_code) WHERE pass_code <> upper(pass_code)"
    )


def downgrade() -> None:
    # The original case is not kept; upper-case codes still work with the older lookup.
    pass
