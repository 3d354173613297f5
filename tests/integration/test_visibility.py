"""Nobody sees more than their own: a forwarder without a company (from before one was
required) and a peer instance reach no one else's bookings, passes, places or notices."""

from datetime import UTC, datetime, timedelta

import pytest

from smartgate.identity.tables import UserRow
from smartgate.policy import services as policy_services
from smartgate.policy.schemas import CapacityIn
from smartgate.queue import services, waiting_area
from smartgate.queue.schemas import ArrivalIn, BookingCreate, CallNextIn
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import Forbidden, NotFound

from factories import actor, declare, plate

NOW = (datetime.now(UTC) + timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)


def _account(uow, name: str, role: str) -> None:
    # Made as older versions made them: a forwarder without a company, a peer.
    with uow:
        uow.users.add(
            UserRow(username=name, password_hash="-", role=role, full_name=name, company=None,
                    active=True, created_at=utcnow())
        )  # fmt: skip
        uow.commit()


@pytest.fixture
def drivers_truck_in_line(uow):
    """driver1's booked truck in Hữu Nghị's waiting area, called, with a notice."""
    authority = actor(uow, "authority-vn")
    data = CapacityIn(direction="export", trucks_per_hour=20, from_hour=7, to_hour=19)
    policy_services.declare_capacity(
        uow=uow, actor=authority, gate_id="huu-nghi", data=data, own_side="VN", now=NOW
    )
    trip = declare(uow, "driver1", tractor_plate=plate(90))
    booking = services.book(
        uow=uow, actor=actor(uow, "driver1"), now=NOW,
        data=BookingCreate(declaration_id=trip.id, slot_start=NOW),
    )  # fmt: skip
    operator = actor(uow, "operator-huunghi")
    entry = waiting_area.check_in(
        uow=uow, actor=operator, gate_id="huu-nghi", now=NOW,
        data=ArrivalIn(pass_code=booking.pass_code),
    )  # fmt: skip
    waiting_area.call_next(
        uow=uow, actor=operator, gate_id="huu-nghi", now=NOW,
        data=CallNextIn(direction="export", count=1),
    )  # fmt: skip
    return booking, entry


@pytest.mark.parametrize("role", ["forwarder", "peer"])
def test_an_account_without_a_company_or_a_trip_sees_nothing_of_others(
    uow, drivers_truck_in_line, role
):
    booking, entry = drivers_truck_in_line
    _account(uow, f"lonely-{role}", role)
    outsider = actor(uow, f"lonely-{role}")
    assert services.my_bookings(uow=uow, actor=outsider) == []
    assert waiting_area.notices(uow=uow, actor=outsider) == []
    assert waiting_area.my_trucks(uow=uow, actor=outsider, now=NOW) == []
    with pytest.raises(NotFound):
        services.get_booking(uow=uow, actor=outsider, booking_id=booking.id)
    with pytest.raises(NotFound):
        waiting_area.position(uow=uow, actor=outsider, entry_id=entry.id, now=NOW)
    with pytest.raises((NotFound, Forbidden)):
        services.cancel(uow=uow, actor=outsider, booking_id=booking.id, now=NOW)
    # The owner still sees it all.
    owner = actor(uow, "driver1")
    assert [b.id for b in services.my_bookings(uow=uow, actor=owner)] == [booking.id]
    assert waiting_area.notices(uow=uow, actor=owner)
