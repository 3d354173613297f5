"""An operator finds the arriving truck by its pass in any case, its plate or its declaration;
the trips list is searched by plate and filtered and paged, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, time, timedelta

import pytest

from smartgate.declarations import services as declarations
from smartgate.declarations.repository import DeclarationFilter
from smartgate.policy import services as policy_services
from smartgate.policy.schemas import CapacityIn
from smartgate.queue import model, services, waiting_area
from smartgate.queue.schemas import ArrivalIn, BookingCreate
from smartgate.shared.clock import VN_TZ
from smartgate.shared.errors import Conflict, NotFound
from smartgate.web.queue_forms import arrival_data

from factories import actor, declare, plate

# 09:00 in Viet Nam tomorrow: inside every gate's opening hours.
NOW = (datetime.now(UTC) + timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
SLOT = NOW + timedelta(hours=2)


def _capacity(uow):
    authority = actor(uow, "authority-vn")
    for side in ("VN", "CN"):
        data = CapacityIn(
            direction="export", trucks_per_hour=10, from_hour=7, to_hour=19, side=side
        )
        policy_services.declare_capacity(
            uow=uow, actor=authority, gate_id="huu-nghi", data=data, own_side="VN", now=NOW
        )


def _book(uow, trip):
    data = BookingCreate(declaration_id=trip.id, slot_start=SLOT)
    return services.book(uow=uow, actor=actor(uow, "driver1"), data=data, now=NOW)


def _check_in(uow, typed):
    return waiting_area.check_in(
        uow=uow,
        actor=actor(uow, "operator-huunghi"),
        gate_id="huu-nghi",
        data=ArrivalIn.model_validate(arrival_data(typed)),
        now=NOW,
    )


@pytest.mark.parametrize("spelling", [str.lower, str.upper, str.swapcase])
def test_a_pass_code_is_found_in_any_case(uow, spelling):
    _capacity(uow)
    trip = declare(uow, tractor_plate=plate(701))
    booking = _book(uow, trip)
    assert booking.pass_code == booking.pass_code.upper()
    assert set(booking.pass_code) <= set(model.PASS_ALPHABET)
    entry = _check_in(uow, f"  {spelling(booking.pass_code)} ")
    assert entry.declaration_id == trip.id and entry.plate == plate(701)


def test_a_code_issued_in_mixed_case_before_is_found_after_the_migration(uow):
    # The migration upper-cased the codes issued before; a code typed as printed still works.
    _capacity(uow)
    trip = declare(uow, tractor_plate=plate(702))
    booking = _book(uow, trip)
    printed = "PH2KRxX9KLZDkaAh"
    with uow:
        row = uow.queue.booking_by_pass(booking.pass_code)
        row.pass_code = model.pass_key(printed)
        uow.commit()
    assert _check_in(uow, "ph2krxx9klzdkaah").declaration_id == trip.id


def test_no_two_bookings_hold_codes_that_differ_only_in_case(uow):
    _capacity(uow)
    codes = [_book(uow, declare(uow, tractor_plate=plate(710 + n))).pass_code for n in range(3)]
    assert len({code.casefold() for code in codes}) == 3
    with uow:  # the unique constraint holds them apart, as every stored code is upper case
        assert all(uow.queue.booking_by_pass(code.lower()) is not None for code in codes)


def test_a_plate_or_a_declaration_finds_the_truck(uow):
    _capacity(uow)
    walk_up = declare(uow, tractor_plate=plate(720))
    by_plate = _check_in(uow, "14c 007 20")  # as an operator types it
    assert by_plate.declaration_id == walk_up.id
    other = declare(uow, tractor_plate=plate(721))
    assert _check_in(uow, str(other.id)).declaration_id == other.id


def test_a_plate_with_two_trips_takes_the_booked_one_else_asks_for_the_declaration(uow):
    _capacity(uow)
    first = declare(uow, tractor_plate=plate(730))
    declare(uow, tractor_plate=plate(730))
    with pytest.raises(Conflict, match="several trips"):
        _check_in(uow, plate(730))
    booked = declare(uow, tractor_plate=plate(731))
    declare(uow, tractor_plate=plate(731))
    _book(uow, booked)
    assert _check_in(uow, plate(731)).declaration_id == booked.id
    assert _check_in(uow, str(first.id)).declaration_id == first.id


def test_an_unknown_plate_or_pass_is_not_found(uow):
    with pytest.raises(NotFound, match="has plate"):
        _check_in(uow, plate(799))
    with pytest.raises(NotFound, match="has pass"):
        _check_in(uow, "NOSUCHPASS000000")


def _listed(uow, username="driver1", **filters):
    limit = filters.pop("limit", 50)
    offset = filters.pop("offset", 0)
    page = declarations.list_declarations(
        uow=uow,
        actor=actor(uow, username),
        filters=DeclarationFilter(**filters),
        limit=limit,
        offset=offset,
    )
    return page


def test_trips_are_searched_by_part_of_a_plate_in_any_spelling(uow):
    wanted = {declare(uow, tractor_plate=plate(740 + n)).id for n in range(3)}
    declare(uow, tractor_plate="29C-740.41")
    for typed in ("14c-007.4", "14C0074", "0074"):
        found = _listed(uow, plate_part=typed)
        assert {d.id for d in found.items} >= wanted, typed
        assert all("007.4" in d.tractor_plate for d in found.items)
    assert _listed(uow, plate_part="%").total == 0  # a wildcard is only a character


def test_trips_are_filtered_by_status_direction_and_arrival_day(uow):
    tomorrow = datetime.now(VN_TZ).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(), tzinfo=VN_TZ)
    trip = declare(
        uow, tractor_plate=plate(750), expected_arrival=(start + timedelta(hours=9)).isoformat()
    )
    later = declare(
        uow,
        tractor_plate=plate(751),
        expected_arrival=(start + timedelta(days=1, hours=9)).isoformat(),
    )
    day = _listed(
        uow, arriving_from=start, arriving_to=start + timedelta(days=1), plate_part="14C0075"
    )
    assert [d.id for d in day.items] == [trip.id]
    assert _listed(uow, status="cancelled", plate_part="14C0075").total == 0
    assert _listed(uow, direction="import", plate_part="14C0075").total == 0
    assert _listed(uow, gate_id="huu-nghi", plate_part="14C0075").total == 2
    assert later.id in {d.id for d in _listed(uow, plate_part="007.51").items}


def test_trips_page_through_without_gaps_or_repeats(uow):
    made = {declare(uow, tractor_plate=plate(760 + n)).id for n in range(7)}
    seen = []
    for offset in range(0, 9, 3):
        page = _listed(uow, plate_part="14C0076", limit=3, offset=offset)
        assert page.total == 7
        seen += [d.id for d in page.items]
    assert len(seen) == 7 and set(seen) == made
