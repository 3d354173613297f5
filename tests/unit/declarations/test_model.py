"""Declaration rules without a database."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgate.declarations import model
from smartgate.shared.actor import Actor
from smartgate.shared.errors import Forbidden

NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)


def _goods(*lines):
    return [model.GoodsLine(code, kg) for code, kg in lines]


def _check(goods, *, known=("081060", "847989"), permitted=("08",)):
    return model.check_goods(
        goods,
        hs_exists=lambda c: c in known,
        permitted=lambda c: any(c.startswith(p) for p in permitted),
        gate="Chi Ma (export)",
    )


def test_good_goods_pass():
    assert _check(_goods(("081060", 18000))) == []


def test_each_fault_names_its_line():
    errors = _check(_goods(("081060", 1000), ("999999", 1000), ("847989", 1000)))
    assert [(e.field, str(e.message)) for e in errors] == [
        ("goods.1.hs_code", "999999 is not an HS 2022 subheading"),
        ("goods.2.hs_code", "goods 847989 are not permitted through Chi Ma (export)"),
    ]


@given(st.lists(st.floats(min_value=1, max_value=30000), min_size=1, max_size=6))
def test_truck_weight_limit_is_the_sum_of_lines(weights):
    errors = _check(_goods(*[("081060", w) for w in weights]))
    assert (sum(weights) > model.MAX_TRUCK_KG) == any(e.field == "goods" for e in errors)


def test_arrival_window():
    assert model.check_arrival(NOW + timedelta(days=3), NOW) == []
    assert model.check_arrival(NOW - timedelta(hours=23), NOW) == []
    assert str(model.check_arrival(NOW - timedelta(hours=25), NOW)[0].message).startswith(
        "is more than 24 hours"
    )
    assert (
        str(model.check_arrival(NOW + timedelta(days=61), NOW)[0].message)
        == "is more than 60 days ahead"
    )


def test_containers_listed_twice_or_too_many():
    assert model.check_containers(["A", "B", "A"])[0].field == "containers.2"
    assert model.check_containers(["A", "B", "C", "D"])[0].field == "containers"


def test_only_drivers_and_forwarders_declare():
    model.ensure_may_declare(Actor(1, "d", "driver"))
    with pytest.raises(Forbidden):
        model.ensure_may_declare(Actor(2, "o", "operator", gate_id="huu-nghi"))


def test_forwarders_amend_their_company_trips():
    colleague = Actor(5, "f2", "forwarder", company="ACME")
    model.ensure_may_amend(colleague, owner_id=4, company="ACME")
    with pytest.raises(Forbidden):
        model.ensure_may_amend(colleague, owner_id=4, company="Other")
    with pytest.raises(Forbidden):
        model.ensure_may_amend(Actor(6, "d", "driver"), owner_id=4, company=None)


def test_changes_keep_only_what_differs():
    assert model.changes({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ({"b": 2}, {"b": 3})
