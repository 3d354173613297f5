"""Alembic migrations, date-prefixed; run with `smartgate db upgrade`."""
