"""A trip stored before today's rules (a plate with an Arabic-Indic digit, which the plate
check once let through) can still be read; copying it is a 422 naming the field, never a 500."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from smartgate.declarations import services
from smartgate.declarations.schemas import DeclarationCopy
from smartgate.declarations.tables import DeclarationRow
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import ValidationFailed

from factories import actor, declare


@pytest.mark.parametrize(
    ("stored_plate", "reason"),
    [("29H-433.8٥", "U+0665"), ("12R-123.45", "series R is for trailers")],
)
def test_copying_a_trip_whose_stored_plate_todays_rules_refuse_names_the_plate(
    uow, stored_plate, reason
):
    stored = declare(uow)
    with uow:
        uow.session.execute(
            update(DeclarationRow)
            .where(DeclarationRow.id == stored.id)
            .values(tractor_plate=stored_plate)
        )
        uow.commit()
    changes = DeclarationCopy(expected_arrival=utcnow() + timedelta(days=2))
    with pytest.raises(ValidationFailed) as refused:
        services.copy(
            uow=uow, actor=actor(uow, "driver1"), declaration_id=stored.id, changes=changes
        )
    assert [e.field for e in refused.value.errors] == ["tractor_plate"]
    assert reason in refused.value.errors[0].message
