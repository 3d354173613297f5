"""Lane, yard and freight-road names in each language (vi, zh, en), so that every page names
them in its reader's language; `name` (a road's `name_vi`) stays the name shown otherwise.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = ("vi", "zh", "en")


def upgrade() -> None:
    op.add_column("freight_roads", sa.Column("name_zh", sa.String(length=200), nullable=True))
    for table in ("lanes", "yards"):
        for lang in LANGUAGES:
            op.add_column(table, sa.Column(f"name_{lang}", sa.String(length=120), nullable=True))


def downgrade() -> None:
    for table in ("lanes", "yards"):
        for lang in LANGUAGES:
            op.drop_column(table, f"name_{lang}")
    op.drop_column("freight_roads", "name_zh")
