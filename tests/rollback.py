"""Units of work rolled back at the end, so tests (and hypothesis examples) leave nothing."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from smartgate.identity import remembered
from smartgate.registry.repository import forget_cached_permits
from smartgate.uow import UnitOfWork


@contextmanager
def rolled_back(engine: Engine) -> Iterator[UnitOfWork]:
    """A unit of work inside a transaction that is rolled back at the end (one per test, or
    one per hypothesis example)."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    forget_caches()
    try:
        yield UnitOfWork(factory)
    finally:
        outer.rollback()
        forget_caches()
        connection.close()


def forget_caches() -> None:
    # What a rolled-back test cached would not match the rows any more. (The queue's boards
    # need nothing: they are kept per session factory, and each unit of work here has its own.)
    forget_cached_permits()
    remembered.forget_all()
