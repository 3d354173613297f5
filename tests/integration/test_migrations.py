"""The migrations build exactly the schema the table classes describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from smartgate.tables import metadata


def test_migrated_schema_matches_the_tables(backend):
    with backend.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
