"""Fixtures shared by every layer: databases (SQLite always, PostgreSQL when configured)."""

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from smartgate import migrate
from smartgate.db import make_engine
from smartgate.identity.services import ensure_demo_users
from smartgate.registry import services as registry
from smartgate.uow import UnitOfWork

from rollback import rolled_back
from servers import Server, start_server

PG_ENV = "SMARTGATE_TEST_DATABASE_URL"


def pg_url() -> str | None:
    """The PostgreSQL URL CI sets, or None on a laptop without one."""
    return os.environ.get(PG_ENV) or None


def _fresh_schema(engine: Engine) -> None:
    # Start every run from an empty public schema so migrations run from the first one.
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def migrated_engines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Engine]:
    """One migrated engine per backend, filled with the gate pairs and demo users."""
    engines = {}
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    backends = {"sqlite": sqlite_url}
    if pg_url():
        backends["postgresql"] = pg_url()  # type: ignore[assignment]
    for name, url in backends.items():
        engine = make_engine(url)
        if name == "postgresql":
            _fresh_schema(engine)
        migrate.upgrade(url)
        seeded = UnitOfWork(sessionmaker(bind=engine, expire_on_commit=False))
        registry.load_gates(
            uow=seeded,
            document=registry.read_document(registry.demo_document_path()),
            side="VN",
        )
        ensure_demo_users(uow=seeded)
        engines[name] = engine
    return engines


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, migrated_engines: dict[str, Engine]) -> Engine:
    """Each service test runs on SQLite and, where configured, on PostgreSQL."""
    if request.param not in migrated_engines:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (CI sets it)")
    return migrated_engines[request.param]


@pytest.fixture
def uow(backend: Engine) -> Iterator[UnitOfWork]:
    """A unit of work inside a transaction that is rolled back after the test."""
    with rolled_back(backend) as unit:
        yield unit


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `smartgate serve --demo` on a free port, shared by the HTTP and browser tests."""
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    running.stop()
