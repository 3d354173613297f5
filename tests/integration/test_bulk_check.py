"""The checking pass of a bulk import: every declaration's faults at once, nothing stored."""

from datetime import timedelta

from smartgate.declarations import services
from smartgate.declarations.repository import DeclarationFilter
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.shared.clock import utcnow

from factories import actor, declaration


def _count(uow):
    return services.list_declarations(
        uow=uow, actor=actor(uow, "authority-vn"), filters=DeclarationFilter(), limit=1, offset=0
    ).total


def test_every_declaration_is_checked_and_none_is_stored(uow):
    past = (utcnow() - timedelta(days=3)).isoformat()
    line = declaration()["goods"][0]
    items = [
        DeclarationCreate.model_validate(declaration()),
        DeclarationCreate.model_validate(declaration(gate_id="nowhere")),
        None,  # a row the file could not make into a declaration at all
        DeclarationCreate.model_validate(declaration(goods=[line | {"hs_code": "999999"}])),
        DeclarationCreate.model_validate(declaration(expected_arrival=past)),
    ]
    before = _count(uow)
    seen: list[int] = []
    faults = services.check_many(
        uow=uow, actor=actor(uow, "forwarder1"), items=items, progress=seen.append
    )
    assert {index: [e.field for e in found] for index, found in faults.items()} == {
        1: ["gate_id"],
        3: ["goods.0.hs_code"],
        4: ["expected_arrival"],
    }
    assert seen == [1, 2, 3, 4, 5]  # the progress bar follows every item, skipped ones too
    assert _count(uow) == before
