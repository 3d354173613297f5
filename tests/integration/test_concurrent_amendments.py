"""Concurrent amendments of one declaration on PostgreSQL: none lost, history in order."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import sessionmaker

from smartgate.declarations import amendments, services
from smartgate.declarations.schemas import DeclarationCreate, GoodsLineUpdate
from smartgate.uow import UnitOfWork

from factories import actor, declaration

WRITERS = 12


def test_parallel_amendments_are_serialised(migrated_engines):
    if "postgresql" not in migrated_engines:
        pytest.skip("needs SMARTGATE_TEST_DATABASE_URL: row locks are a PostgreSQL matter")
    factory = sessionmaker(bind=migrated_engines["postgresql"], expire_on_commit=False)
    uow = UnitOfWork(factory)
    driver = actor(uow, "driver1")
    stored = services.declare(
        uow=uow, actor=driver, data=DeclarationCreate.model_validate(declaration())
    )

    def amend(kg: int) -> int:
        return amendments.amend_goods_line(
            uow=UnitOfWork(factory),
            actor=driver,
            declaration_id=stored.id,
            line_no=1,
            changes=GoodsLineUpdate(gross_kg=kg),
        ).version

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        versions = list(pool.map(amend, range(1000, 1000 + WRITERS)))

    assert sorted(versions) == list(range(2, WRITERS + 2))
    changes = services.history(uow=uow, actor=driver, declaration_id=stored.id)
    assert [h.seq for h in changes] == list(range(1, WRITERS + 2))
    # Each amendment saw the value the previous one left: the chain is unbroken.
    for previous, current in zip(changes[1:], changes[2:], strict=False):
        assert current.before["gross_kg"] == previous.after["gross_kg"]
