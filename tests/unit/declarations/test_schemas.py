"""Schema rules a request meets before any service runs: each refusal names its field."""

import pytest

from smartgate.declarations.schemas import (
    ContainerIn,
    DeclarationCopy,
    DeclarationCreate,
    DeclarationUpdate,
    GoodsLineUpdate,
)
from smartgate.shared.errors import ValidationFailed
from smartgate.shared.validation import parse_or_fail

from factories import arrival, declaration


def refused_fields(schema, data) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        parse_or_fail(schema, data)
    return {e.field: e.message for e in refused.value.errors}


def test_plates_and_containers_with_foreign_digits_are_refused_by_field():
    bad = declaration(tractor_plate="29H-433.8٥", containers=["CSQU30543٨3"])
    faults = refused_fields(DeclarationCreate, bad)
    assert set(faults) == {"tractor_plate", "containers.0"}
    assert "'٥' (U+0665)" in faults["tractor_plate"]
    assert "U+0668" in refused_fields(ContainerIn, {"number": "CSQU30543٨3"})["number"]


@pytest.mark.parametrize("name", ["tractor_plate", "driver_name"])
def test_a_copy_may_leave_out_what_it_keeps_but_not_null_it(name):
    assert name not in parse_or_fail(DeclarationCopy, {"expected_arrival": arrival()}).model_dump(
        exclude_unset=True
    )
    faults = refused_fields(DeclarationCopy, {"expected_arrival": arrival(), name: None})
    assert faults == {name: "cannot be null; leave it out to keep it as it is"}


def test_a_null_trailer_on_a_copy_or_an_amendment_means_no_trailer():
    copy = parse_or_fail(DeclarationCopy, {"expected_arrival": arrival(), "trailer_plate": None})
    assert copy.model_dump(exclude_unset=True)["trailer_plate"] is None
    assert parse_or_fail(DeclarationUpdate, {"trailer_plate": None}).trailer_plate is None


@pytest.mark.parametrize(
    ("schema", "name"),
    [
        (DeclarationUpdate, "tractor_plate"),
        (DeclarationUpdate, "expected_arrival"),
        (GoodsLineUpdate, "gross_kg"),
        (GoodsLineUpdate, "perishable"),
    ],
)
def test_changes_name_the_field_they_cannot_null(schema, name):
    assert set(refused_fields(schema, {name: None})) == {name}


def test_the_schema_does_not_offer_null_where_it_refuses_it():
    properties = DeclarationCopy.model_json_schema()["properties"]
    assert "anyOf" not in properties["tractor_plate"]
    assert {"type": "null"} in properties["trailer_plate"]["anyOf"]
