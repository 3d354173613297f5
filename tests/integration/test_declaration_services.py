"""Declaration use-cases on a real database (SQLite, and PostgreSQL when configured)."""

import uuid

import pytest

from smartgate.declarations import amendments, services
from smartgate.declarations.repository import DeclarationFilter
from smartgate.declarations.schemas import (
    ContainerIn,
    DeclarationCopy,
    DeclarationCreate,
    DeclarationUpdate,
    GoodsLineIn,
    GoodsLineUpdate,
)
from smartgate.identity import services as identity
from smartgate.identity.tables import UserRow
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

from factories import actor, container, declaration, declare, plate


def _count(uow, username="authority-vn"):
    page = services.list_declarations(
        uow=uow, actor=actor(uow, username), filters=DeclarationFilter(), limit=1, offset=0
    )
    return page.total


def test_declare_stores_everything_and_records_creation(uow):
    stored = declare(uow)
    again = services.get(uow=uow, actor=actor(uow, "driver1"), declaration_id=stored.id)
    assert again.containers == ["CSQU3054383"]
    assert again.goods[0].hs_code == "081060" and again.goods[0].line_no == 1
    assert again.expected_arrival.utcoffset().total_seconds() == 0
    changes = services.history(uow=uow, actor=actor(uow, "driver1"), declaration_id=stored.id)
    assert [(h.seq, h.action, h.actor) for h in changes] == [(1, "created", "driver1")]


def test_one_bad_line_saves_nothing(uow):
    before = _count(uow)
    bad = declaration(
        gate_id="chi-ma",
        goods=[
            {"hs_code": "081060", "description": "durian", "gross_kg": 9000, "value": 1},
            {"hs_code": "847989", "description": "machine", "gross_kg": 9000, "value": 1},
        ],
    )
    with pytest.raises(ValidationFailed) as failure:
        services.declare(
            uow=uow, actor=actor(uow, "driver1"), data=DeclarationCreate.model_validate(bad)
        )
    assert [e.field for e in failure.value.errors] == ["goods.1.hs_code"]
    assert "not permitted through Chi Ma" in str(failure.value.errors[0].message)
    assert _count(uow) == before


def test_unknown_gate_is_named(uow):
    with pytest.raises(ValidationFailed) as failure:
        declare(uow, gate_id="nowhere")
    assert failure.value.errors[0].field == "gate_id"


def test_drivers_see_only_their_own_trips(uow):
    mine = declare(uow, "driver1")
    with pytest.raises(NotFound):
        services.get(uow=uow, actor=actor(uow, "driver2"), declaration_id=mine.id)
    operator = services.get(uow=uow, actor=actor(uow, "operator-huunghi"), declaration_id=mine.id)
    assert operator.id == mine.id
    theirs = services.list_declarations(
        uow=uow, actor=actor(uow, "driver2"), filters=DeclarationFilter(), limit=50, offset=0
    )
    assert mine.id not in {d.id for d in theirs.items}


def _forwarder_without_company(uow, name):
    # Accounts made before a forwarder needed a company still exist in older databases.
    with uow:
        uow.users.add(
            UserRow(username=name, password_hash="-", role="forwarder", full_name=name,
                    company=None, active=True, created_at=utcnow())
        )  # fmt: skip
        uow.commit()


def test_a_forwarder_needs_a_company(uow):
    new = identity.NewUser("forwarder9", "long-enough-password", "forwarder", "F", company=" ")
    with pytest.raises(ValidationFailed) as refused:
        identity.create_user(uow=uow, new=new)
    assert refused.value.errors[0].field == "company"


def test_each_role_looks_up_exactly_the_declarations_it_lists(uow):
    identity.create_user(
        uow=uow,
        new=identity.NewUser("forwarder2", "long-enough-password", "forwarder", "F2",
                             company="Xuân Cương Logistics"),
    )  # fmt: skip
    _forwarder_without_company(uow, "forwarder3")
    made = [
        declare(uow, username, gate_id=gate, tractor_plate=plate(300 + i))
        for i, (username, gate) in enumerate(
            [("driver1", "huu-nghi"), ("driver2", "mong-cai"), ("forwarder1", "huu-nghi"),
             ("forwarder2", "mong-cai"), ("forwarder3", "huu-nghi")]
        )
    ]  # fmt: skip
    for username in ("driver1", "driver2", "forwarder1", "forwarder2", "forwarder3",
                     "operator-huunghi", "authority-vn"):  # fmt: skip
        who = actor(uow, username)
        page = services.list_declarations(
            uow=uow, actor=who, filters=DeclarationFilter(), limit=500, offset=0
        )
        listed = {d.id for d in page.items}
        for stored in made:
            try:
                services.get(uow=uow, actor=who, declaration_id=stored.id)
                found = True
            except NotFound:
                found = False
            assert found == (stored.id in listed), (username, stored.owner)
    colleagues = {d.id for d in made[2:4]}
    forwarder = actor(uow, "forwarder2")
    seen = services.list_declarations(
        uow=uow, actor=forwarder, filters=DeclarationFilter(), limit=500, offset=0
    )
    assert colleagues <= {d.id for d in seen.items}  # the company's trips, whoever filed them


def test_operators_only_see_their_gate(uow):
    elsewhere = declare(uow, gate_id="mong-cai")
    with pytest.raises(NotFound):
        services.get(uow=uow, actor=actor(uow, "operator-huunghi"), declaration_id=elsewhere.id)


def test_officials_cannotdeclare(uow):
    with pytest.raises(Forbidden):
        declare(uow, "operator-huunghi")


def test_amend_one_goods_line_keeps_the_rest_and_records_it(uow):
    stored = declare(
        uow,
        goods=[
            {"hs_code": "081060", "description": "durian", "gross_kg": 9000, "value": 1},
            {"hs_code": "081090", "description": "dragon fruit", "gross_kg": 8000, "value": 1},
        ],
    )
    driver = actor(uow, "driver1")
    amended = amendments.amend_goods_line(
        uow=uow,
        actor=driver,
        declaration_id=stored.id,
        line_no=2,
        changes=GoodsLineUpdate(gross_kg=8500, description="thanh long"),
    )
    assert [(g.line_no, g.gross_kg, g.description) for g in amended.goods] == [
        (1, 9000, "durian"),
        (2, 8500, "thanh long"),
    ]
    assert amended.version == 2
    last = services.history(uow=uow, actor=driver, declaration_id=stored.id)[-1]
    assert (last.action, last.path, last.actor) == ("goods.amended", "goods.2", "driver1")
    assert last.before == {"gross_kg": 8000, "description": "dragon fruit"}
    assert last.after == {"gross_kg": 8500, "description": "thanh long"}


def test_amendment_that_breaks_a_rule_changes_nothing(uow):
    stored = declare(uow, gate_id="chi-ma")
    driver = actor(uow, "driver1")
    with pytest.raises(ValidationFailed) as failure:
        amendments.amend_goods_line(
            uow=uow,
            actor=driver,
            declaration_id=stored.id,
            line_no=1,
            changes=GoodsLineUpdate(hs_code="847989"),
        )
    assert failure.value.errors[0].field == "hs_code"
    with pytest.raises(ValidationFailed, match="exceeds 60,000 kg"):
        amendments.add_goods_line(
            uow=uow,
            actor=driver,
            declaration_id=stored.id,
            line=GoodsLineIn(hs_code="081060", description="more", gross_kg=45000, value=1),
        )
    again = services.get(uow=uow, actor=driver, declaration_id=stored.id)
    assert again.version == 1 and again.goods[0].hs_code == "081060" and len(again.goods) == 1


def test_container_corrected_in_place(uow):
    stored = declare(uow, containers=["CSQU3054383", container(7)])
    driver = actor(uow, "driver1")
    amended = amendments.replace_container(
        uow=uow,
        actor=driver,
        declaration_id=stored.id,
        number="CSQU3054383",
        new=ContainerIn(number=container(8)),
    )
    assert amended.containers == [container(8), container(7)]
    last = services.history(uow=uow, actor=driver, declaration_id=stored.id)[-1]
    assert (last.path, last.before, last.after) == ("containers.0", "CSQU3054383", container(8))
    with pytest.raises(ValidationFailed, match="already on this declaration"):
        amendments.add_container(
            uow=uow, actor=driver, declaration_id=stored.id, new=ContainerIn(number=container(7))
        )
    removed = amendments.remove_container(
        uow=uow, actor=driver, declaration_id=stored.id, number=container(7)
    )
    assert removed.containers == [container(8)]


def test_the_last_goods_line_cannot_be_removed(uow):
    stored = declare(uow)
    with pytest.raises(Conflict, match="at least one goods line"):
        amendments.remove_goods_line(
            uow=uow, actor=actor(uow, "driver1"), declaration_id=stored.id, line_no=1
        )


def test_someone_else_cannot_amend(uow):
    stored = declare(uow)
    with pytest.raises(NotFound):
        amendments.amend_trip(
            uow=uow,
            actor=actor(uow, "driver2"),
            declaration_id=stored.id,
            changes=DeclarationUpdate(driver_name="X"),
        )


def test_cancelled_declarations_stay_as_they_were(uow):
    stored = declare(uow)
    driver = actor(uow, "driver1")
    assert amendments.cancel(uow=uow, actor=driver, declaration_id=stored.id).status == "cancelled"
    with pytest.raises(Conflict, match="can no longer be amended"):
        amendments.amend_trip(
            uow=uow,
            actor=driver,
            declaration_id=stored.id,
            changes=DeclarationUpdate(driver_name="X"),
        )


def test_copy_starts_from_an_earlier_trip(uow):
    stored = declare(uow)
    later = declaration()["expected_arrival"].replace("T", "T").strip()
    copied = services.copy(
        uow=uow,
        actor=actor(uow, "driver1"),
        declaration_id=stored.id,
        changes=DeclarationCopy(expected_arrival=later, tractor_plate="12C-555.55"),
    )
    assert copied.id != stored.id and copied.copied_from == stored.id
    assert copied.tractor_plate == "12C-555.55" and copied.goods[0].hs_code == "081060"


def test_bulk_is_all_or_nothing_unless_partial(uow):
    forwarder = actor(uow, "forwarder1")
    items = [
        DeclarationCreate.model_validate(declaration(tractor_plate="12C-100.01")),
        DeclarationCreate.model_validate(declaration(gate_id="coc-nam", direction="import")),
        DeclarationCreate.model_validate(declaration(tractor_plate="12C-100.03")),
    ]
    before = _count(uow)
    outcome = services.declare_many(uow=uow, actor=forwarder, items=items)
    assert outcome.created == [] and list(outcome.failed) == [1]
    assert _count(uow) == before
    outcome = services.declare_many(uow=uow, actor=forwarder, items=items, partial=True)
    assert len(outcome.created) == 2
    assert _count(uow) == before + 2
    company = services.list_declarations(
        uow=uow, actor=forwarder, filters=DeclarationFilter(plate="12C-100.03"), limit=5, offset=0
    )
    assert [d.company for d in company.items] == ["Xuân Cương Logistics"]


def test_missing_declaration_is_not_found(uow):
    with pytest.raises(NotFound):
        services.get(uow=uow, actor=actor(uow, "authority-vn"), declaration_id=uuid.uuid4())
