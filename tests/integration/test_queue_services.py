"""Bookings, the waiting area and policy levers on a real database."""

import copy
from datetime import UTC, datetime, timedelta

import pytest

from smartgate.declarations import amendments
from smartgate.declarations import services as declarations
from smartgate.declarations.schemas import DeclarationUpdate
from smartgate.policy import services as policy_services
from smartgate.policy.schemas import CapacityIn, GateRulesIO, SuspensionIn
from smartgate.queue import boards, services, waiting_area
from smartgate.queue.schemas import ArrivalIn, BookingCreate, BookingMove, CallNextIn
from smartgate.shared.errors import Conflict, Forbidden, TooManyRequests, ValidationFailed

from factories import actor, declare, goods, plate

# 09:00 in Viet Nam tomorrow: inside every gate's opening hours.
NOW = (datetime.now(UTC) + timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
SLOT = NOW + timedelta(hours=2)


def _capacity(uow, vn=10, cn=8, gate="huu-nghi", direction="export", **extra):
    authority = actor(uow, "authority-vn")
    for side, trucks in (("VN", vn), ("CN", cn)):
        data = CapacityIn(
            direction=direction, trucks_per_hour=trucks, from_hour=7, to_hour=19, side=side,
            **extra,
        )  # fmt: skip
        policy_services.declare_capacity(
            uow=uow, actor=authority, gate_id=gate, data=data, own_side="VN", now=NOW
        )


def _book(uow, trip, slot=SLOT, username="driver1", seconds=0):
    data = BookingCreate(declaration_id=trip.id, slot_start=slot)
    now = NOW + timedelta(seconds=seconds)
    return services.book(uow=uow, actor=actor(uow, username), data=data, now=now)


def _rules(uow, **changes):
    current = policy_services.gate_rules(uow=uow, gate_id="huu-nghi").model_dump() | changes
    policy_services.set_gate_rules(
        uow=uow,
        actor=actor(uow, "authority-vn"),
        gate_id="huu-nghi",
        data=GateRulesIO.model_validate(current),
        now=NOW,
    )


def _arrive(uow, trip, minutes=0):
    return waiting_area.check_in(
        uow=uow,
        actor=actor(uow, "operator-huunghi"),
        gate_id="huu-nghi",
        data=ArrivalIn(declaration_id=trip.id),
        now=NOW + timedelta(minutes=minutes),
    )


def _call(uow, count=1, minutes=30):
    return waiting_area.call_next(
        uow=uow,
        actor=actor(uow, "operator-huunghi"),
        gate_id="huu-nghi",
        data=CallNextIn(direction="export", count=count),
        now=NOW + timedelta(minutes=minutes),
    )


def test_effective_capacity_is_the_smaller_side_and_quota_leaves_room_for_live(uow):
    _capacity(uow, vn=10, cn=8)
    day = policy_services.capacity_day(
        uow=uow, gate_id="huu-nghi", direction="export", day=SLOT.date(), side="VN"
    )
    nine = next(h for h in day.hours if h.start == NOW)
    assert (nine.vn, nine.cn, nine.effective) == (10, 8, 8)
    slots = services.slots(
        uow=uow, gate_id="huu-nghi", direction="export", day=NOW.date(), side="VN"
    )
    assert len(slots.slots) == 11  # 07:00-18:00 VN time: China (UTC+8) closes at 19:00 its time
    first = slots.slots[0]
    assert (first.capacity, first.quota, first.remaining) == (8, 6, 6)


def test_one_booking_per_vehicle_and_no_place_past_the_quota(uow):
    _capacity(uow, vn=2, cn=2)  # quota int(2 * 0.75) = 1
    first = declare(uow, tractor_plate=plate(1))
    _book(uow, first)
    again = declare(uow, tractor_plate="14c 000 01")  # same vehicle, other spelling
    with pytest.raises(Conflict, match="already holds booking"):
        _book(uow, again, SLOT + timedelta(hours=1))
    other = declare(uow, tractor_plate=plate(2))
    with pytest.raises(Conflict, match="is full"):
        _book(uow, other)
    with pytest.raises(ValidationFailed, match="on the hour"):
        _book(uow, other, SLOT + timedelta(minutes=30))
    with pytest.raises(Forbidden):
        services.book(
            uow=uow,
            actor=actor(uow, "operator-huunghi"),
            data=BookingCreate(declaration_id=other.id, slot_start=SLOT),
            now=NOW,
        )


def test_cancel_frees_the_place_and_repeated_cancels_pause_rebooking(uow):
    _capacity(uow)
    _rules(uow, cancel_limit=2, rebook_cooldown_minutes=60)
    trip = declare(uow, tractor_plate=plate(3))
    for _ in range(2):
        booking = _book(uow, trip)
        services.cancel(uow=uow, actor=actor(uow, "driver1"), booking_id=booking.id, now=NOW)
    with pytest.raises(Conflict, match="cancelled 2 bookings in 24 hours"):
        _book(uow, trip)
    slots = services.slots(
        uow=uow, gate_id="huu-nghi", direction="export", day=NOW.date(), side="VN"
    )
    assert all(s.booked == 0 for s in slots.slots)
    stats = services.cancellation_stats(
        uow=uow, actor=actor(uow, "authority-vn"), gate_id="huu-nghi", days=1, now=NOW
    )
    assert [(c.name, c.cancellations) for c in stats.by_vehicle] == [(plate(3), 2)]
    assert stats.by_company[0].cancellations == 2


def test_moving_a_booking_is_limited(uow):
    _capacity(uow)
    _rules(uow, max_reschedules=1)
    booking = _book(uow, declare(uow, tractor_plate=plate(4)))
    driver = actor(uow, "driver1")
    moved = services.move(
        uow=uow,
        actor=driver,
        booking_id=booking.id,
        data=BookingMove(slot_start=SLOT + timedelta(hours=1)),
        now=NOW,
    )
    assert moved.slot_start == SLOT + timedelta(hours=1) and moved.reschedules == 1
    with pytest.raises(Conflict, match="already moved 1 times"):
        services.move(
            uow=uow, actor=driver, booking_id=booking.id, data=BookingMove(slot_start=SLOT),
            now=NOW,
        )  # fmt: skip


def test_booking_requests_are_rate_limited_per_account(uow):
    _capacity(uow, vn=40, cn=40)
    _rules(uow, bookings_per_minute=2)
    trips = [declare(uow, tractor_plate=plate(10 + i)) for i in range(3)]
    _book(uow, trips[0])
    _book(uow, trips[1])
    with pytest.raises(TooManyRequests, match="at most 2 bookings a minute"):
        _book(uow, trips[2])


def test_one_trip_holds_one_booking_and_its_vehicle_follows_a_new_plate(uow):
    _capacity(uow, vn=40, cn=40)
    trip = declare(uow, tractor_plate=plate(20))
    booked = _book(uow, trip)
    driver = actor(uow, "driver1")
    amendments.amend_trip(
        uow=uow, actor=driver, declaration_id=trip.id,
        changes=DeclarationUpdate(tractor_plate=plate(21)),
    )  # fmt: skip
    with pytest.raises(Conflict, match="this trip already holds booking"):
        _book(uow, trip, SLOT + timedelta(hours=1), seconds=1)
    assert services.get_booking(uow=uow, actor=driver, booking_id=booked.id).plate == plate(21)
    # The old plate is free again; the new one is the booked vehicle now.
    assert _book(uow, declare(uow, tractor_plate=plate(20)), seconds=2).status == "active"
    with pytest.raises(Conflict, match="already holds"):
        _book(uow, declare(uow, tractor_plate=plate(21)), seconds=3)


def test_a_plate_change_onto_a_booked_vehicle_is_refused_whole(uow):
    _capacity(uow, vn=40, cn=40)
    first, second = declare(uow, tractor_plate=plate(22)), declare(uow, tractor_plate=plate(23))
    _book(uow, first)
    _book(uow, second, seconds=1)
    with pytest.raises(Conflict, match=f"vehicle {plate(22)} already holds a booking"):
        amendments.amend_trip(
            uow=uow, actor=actor(uow, "driver1"), declaration_id=second.id,
            changes=DeclarationUpdate(tractor_plate=plate(22)),
        )  # fmt: skip
    kept = declarations.get(uow=uow, actor=actor(uow, "driver1"), declaration_id=second.id)
    assert kept.tractor_plate == plate(23)


def test_a_refusal_never_shows_another_accounts_booking(uow):
    _capacity(uow, vn=40, cn=40)
    theirs = _book(uow, declare(uow, "driver2", tractor_plate=plate(24)), username="driver2")
    mine = declare(uow, "driver1", tractor_plate=plate(24))
    with pytest.raises(Conflict) as refused:
        _book(uow, mine, SLOT + timedelta(hours=1))
    assert str(theirs.id) not in str(refused.value) and "already holds a booking" in str(
        refused.value
    )


def test_call_order_priority_then_booked_then_live_with_positions(uow):
    _capacity(uow, vn=40, cn=40)
    live = declare(uow, tractor_plate=plate(20), goods=[goods("080390")])
    booked = declare(uow, tractor_plate=plate(21), goods=[goods("080390")])
    machine = declare(uow, tractor_plate=plate(22), goods=[goods("847989", production_input=True)])
    _book(uow, booked, NOW)
    entries = [_arrive(uow, live), _arrive(uow, booked, 1), _arrive(uow, machine, 2)]
    assert [e.position for e in entries] == [0, 0, 0]  # each was first when it arrived
    now = NOW + timedelta(minutes=3)
    positions = {
        e.plate: waiting_area.position(uow=uow, actor=actor(uow, "driver1"), entry_id=e.id, now=now)
        for e in entries
    }
    assert {p: (r.position, r.lane) for p, r in positions.items()} == {
        plate(22): (0, "production_input"),
        plate(21): (1, "booked"),
        plate(20): (2, "live"),
    }
    assert positions[plate(20)].eta > positions[plate(21)].eta
    called = _call(uow, count=3, minutes=4)
    assert [c.plate for c in called] == [plate(22), plate(21), plate(20)]
    assert all(c.status == "called" for c in called)


def test_a_call_uses_the_booking_and_tells_the_driver_where_to_go(uow):
    _capacity(uow, vn=40, cn=40)
    trip = declare(uow, tractor_plate=plate(25), goods=[goods("080390")])
    booking = _book(uow, trip, slot=NOW)
    _arrive(uow, trip)
    [called] = waiting_area.call_next(
        uow=uow,
        actor=actor(uow, "operator-huunghi"),
        gate_id="huu-nghi",
        data=CallNextIn(direction="export", lane="L2"),
        now=NOW + timedelta(minutes=5),
    )
    assert (called.status, called.called_lane) == ("called", "L2")
    driver = actor(uow, "driver1")
    assert services.get_booking(uow=uow, actor=driver, booking_id=booking.id).status == "used"
    [told] = [n for n in waiting_area.notices(uow=uow, actor=driver) if n.kind == "called"]
    assert told.message == f"{plate(25)}: go to the border to lane L2 now"


def test_a_truck_arriving_after_hours_gets_a_morning_eta(uow):
    _capacity(uow, vn=10, cn=8)  # both sides open 07:00-19:00 local: 00:00-11:00 UTC, 8 an hour
    _arrive(uow, declare(uow, tractor_plate=plate(28), goods=[goods("080390")]), minutes=500)
    _call(uow, minutes=530)  # 10:50 UTC: the gate was moving until it closed
    evening = NOW.replace(hour=11, minute=5)  # 18:05 in Viet Nam
    trip = declare(uow, tractor_plate=plate(29), goods=[goods("080390")])
    entry = waiting_area.check_in(
        uow=uow,
        actor=actor(uow, "operator-huunghi"),
        gate_id="huu-nghi",
        data=ArrivalIn(declaration_id=trip.id),
        now=evening,
    )
    opening = (evening + timedelta(days=1)).replace(hour=0, minute=0)
    assert entry.eta == opening + timedelta(minutes=7.5)
    [feed] = [
        w
        for w in waiting_area.wait_times(uow=uow, now=evening)
        if (w.gate_id, w.direction) == ("huu-nghi", "export")
    ]
    # A truck arriving now is second in line: called a quarter of an hour after opening.
    assert (feed.trucks_waiting, feed.delay_minutes) == (1, 12 * 60 + 55 + 15)


def test_a_declaration_runs_out_unless_its_truck_booked_or_joined_the_line(uow):
    _capacity(uow, vn=40, cn=40)
    _rules(uow, declaration_valid_hours=24)
    booked, walk_up, queued = (
        declare(uow, tractor_plate=plate(90 + i), goods=[goods("080390")]) for i in range(3)
    )
    _book(uow, booked)
    in_line = _arrive(uow, queued)
    late = booked.expected_arrival + timedelta(hours=25)
    operator = actor(uow, "operator-huunghi")

    def check_in(trip):
        data = ArrivalIn(declaration_id=trip.id)
        return waiting_area.check_in(
            uow=uow, actor=operator, gate_id="huu-nghi", data=data, now=late
        )

    with pytest.raises(Conflict, match="declaration ran out at .* 24 hours after"):
        check_in(walk_up)
    slot = late.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    with pytest.raises(Conflict, match="declaration ran out"):
        services.book(
            uow=uow, actor=actor(uow, "driver1"),
            data=BookingCreate(declaration_id=walk_up.id, slot_start=slot), now=late,
        )  # fmt: skip
    assert check_in(booked).status == "waiting"  # its booking kept it valid
    driver = actor(uow, "driver1")
    still = waiting_area.position(uow=uow, actor=driver, entry_id=in_line.id, now=late)
    assert still.status == "waiting" and still.position is not None


def test_hourly_capacity_caps_the_calls(uow):
    _capacity(uow, vn=2, cn=2)
    for i in range(3):
        _arrive(uow, declare(uow, tractor_plate=plate(30 + i), goods=[goods("080390")]), i)
    assert len(_call(uow, count=5)) == 2
    board = boards.cache_of(uow).boards[(uow.database, "huu-nghi", "export")].board
    with pytest.raises(Conflict, match="capacity of 2 trucks is used"):
        _call(uow, minutes=40)
    # The refusal changed nothing, so the board stays in memory instead of being rebuilt.
    assert boards.cache_of(uow).boards[(uow.database, "huu-nghi", "export")].board is board
    assert len(_call(uow, minutes=61)) == 1  # the next hour has room again


def test_the_boards_memory_of_calls_and_capacity_survives_a_restart_and_follows_changes(uow):
    _capacity(uow, vn=2, cn=2)
    trips = [declare(uow, tractor_plate=plate(33 + i), goods=[goods("080390")]) for i in range(4)]
    entries = [_arrive(uow, trip, i) for i, trip in enumerate(trips)]
    assert len(_call(uow, count=2)) == 2
    boards.cache_of(uow).forget()  # a restarted server rebuilds the board from the rows
    with pytest.raises(Conflict, match="capacity of 2 trucks is used"):
        _call(uow, minutes=31)
    driver = actor(uow, "driver1")
    slow = waiting_area.position(uow=uow, actor=driver, entry_id=entries[3].id, now=NOW)
    _capacity(uow, vn=3, cn=3)  # raised within the hour: one more call fits at once
    assert [c.plate for c in _call(uow, minutes=32)] == [plate(35)]
    fast = waiting_area.position(uow=uow, actor=driver, entry_id=entries[3].id, now=NOW)
    assert (slow.position, fast.position) == (1, 0) and fast.eta is not None


def _board_seen(uow, now):
    # Everything a board holds, as this process sees it at `now`.
    with uow, boards.reading(uow, "huu-nghi", "export", now) as board:
        order = [t.id for t in board.queue.in_call_order(now, len(board.queue))]
        return (
            order, board.queue.counts(now), list(board.calls), dict(board.called),
            board.synced_at, board.queue.booked_since_live, board.policy,
        )  # fmt: skip


def test_a_board_another_process_left_behind_follows_the_change_log(uow):
    _capacity(uow, vn=40, cn=40)
    trips = [declare(uow, tractor_plate=plate(80 + i), goods=[goods("080390")]) for i in range(5)]
    cold = declare(uow, tractor_plate=plate(86), goods=[goods("030389", cold_chain=True)])
    _book(uow, trips[4], NOW)
    for i, trip in enumerate(trips[:3]):
        _arrive(uow, trip, i)
    key = (uow.database, "huu-nghi", "export")
    behind = copy.deepcopy(
        boards.cache_of(uow).boards[key]
    )  # what a second process holds at this version
    # Meanwhile the first process moves the line: arrivals, calls, a crossing, a suspension.
    _arrive(uow, trips[3], 3), _arrive(uow, trips[4], 4), _arrive(uow, cold, 5)
    [first] = _call(uow, minutes=6)
    operator = actor(uow, "operator-huunghi")
    later = NOW + timedelta(minutes=7)
    waiting_area.mark_crossed(
        uow=uow, actor=operator, gate_id="huu-nghi", entry_id=first.id, now=later
    )
    policy_services.suspend(
        uow=uow,
        actor=actor(uow, "authority-vn"),
        data=SuspensionIn(reason="cold-chain checks", gate_id="huu-nghi", flags=["cold_chain"]),
        now=NOW + timedelta(minutes=8),
    )
    _call(uow, count=2, minutes=9)
    now = NOW + timedelta(minutes=10)
    boards.cache_of(uow).boards[key] = behind  # the second process's turn
    followed = _board_seen(uow, now)
    assert boards.cache_of(uow).boards[key].board is behind.board  # brought up to date, not rebuilt
    boards.cache_of(uow).forget()
    rebuilt = _board_seen(uow, now)
    assert followed == rebuilt
    assert len(followed[0]) == 2 and len(followed[2]) == 3  # two in line; three calls made


def test_a_change_too_big_to_list_rebuilds_a_board_left_behind(uow, monkeypatch):
    monkeypatch.setattr(boards, "FOLLOW_AT_MOST", 1)
    _capacity(uow, vn=40, cn=40)
    for i in range(2):
        _arrive(uow, declare(uow, tractor_plate=plate(84 + i), goods=[goods("080390")]), i)
    key = (uow.database, "huu-nghi", "export")
    behind = copy.deepcopy(boards.cache_of(uow).boards[key])
    policy_services.suspend(  # holds both trucks in one change
        uow=uow,
        actor=actor(uow, "authority-vn"),
        data=SuspensionIn(reason="flood", gate_id="huu-nghi"),
        now=NOW + timedelta(minutes=3),
    )
    boards.cache_of(uow).boards[key] = behind
    seen = _board_seen(uow, NOW + timedelta(minutes=4))
    assert boards.cache_of(uow).boards[key].board is not behind.board
    assert seen[0] == []  # both held: nobody in line


def test_a_new_call_order_rebuilds_a_board_left_behind(uow):
    _capacity(uow, vn=40, cn=40)
    _arrive(uow, declare(uow, tractor_plate=plate(87), goods=[goods("080390")]))
    key = (uow.database, "huu-nghi", "export")
    behind = copy.deepcopy(boards.cache_of(uow).boards[key])
    _rules(uow, live_every=1)
    boards.cache_of(uow).boards[key] = behind
    seen = _board_seen(uow, NOW)
    assert boards.cache_of(uow).boards[key].board is not behind.board
    assert seen[-1].rules.live_every == 1


def test_bookings_see_a_policy_another_process_changed_and_reload_only_then(uow):
    _capacity(uow, vn=40, cn=40)
    key = (uow.database, "huu-nghi", "export")

    def policy():
        with uow:
            return boards.policy_of(uow, "huu-nghi", "export")

    before = policy()
    behind = boards.cache_of(uow).policies[key]  # what a second process cached
    _arrive(uow, declare(uow, tractor_plate=plate(88), goods=[goods("080390")]))
    boards.cache_of(uow).policies[key] = behind
    assert policy() is before  # the line moved, the policy did not: nothing re-read
    behind = boards.cache_of(uow).policies[key]
    policy_services.suspend(
        uow=uow,
        actor=actor(uow, "authority-vn"),
        data=SuspensionIn(reason="scanner down", gate_id="huu-nghi"),
        now=NOW,
    )
    boards.cache_of(uow).policies[key] = behind
    assert [s.reason for s in policy().suspensions] == ["scanner down"]


def test_no_show_is_released_and_repeated_no_shows_block_booking(uow):
    _capacity(uow, vn=40, cn=40)
    _rules(uow, no_show_limit=1, no_show_minutes=20)
    trip = declare(uow, tractor_plate=plate(40), goods=[goods("080390")])
    _arrive(uow, trip)
    [called] = _call(uow)
    _call_later = NOW + timedelta(minutes=55)
    _arrive(uow, declare(uow, tractor_plate=plate(41), goods=[goods("080390")]), 50)
    waiting_area.call_next(
        uow=uow,
        actor=actor(uow, "operator-huunghi"),
        gate_id="huu-nghi",
        data=CallNextIn(direction="export"),
        now=_call_later,
    )
    gone = waiting_area.position(uow=uow, actor=actor(uow, "driver1"), entry_id=called.id, now=NOW)
    assert gone.status == "no_show"
    with pytest.raises(Conflict, match="missed 1 calls"):
        _book(uow, trip, SLOT + timedelta(hours=3), seconds=3600)


def test_suspension_holds_cold_chain_and_lifting_restores_the_order(uow):
    _capacity(uow, vn=40, cn=40)
    cold = declare(uow, tractor_plate=plate(50), goods=[goods("030389", cold_chain=True)])
    dry = declare(uow, tractor_plate=plate(51), goods=[goods("080390")])
    booked_cold = declare(uow, tractor_plate=plate(52), goods=[goods("030389", cold_chain=True)])
    booking = _book(uow, booked_cold)
    first, second = _arrive(uow, cold), _arrive(uow, dry, 1)
    authority = actor(uow, "authority-vn")
    stop = policy_services.suspend(
        uow=uow,
        actor=authority,
        data=SuspensionIn(reason="cold-chain checks", gate_id="huu-nghi", flags=["cold_chain"]),
        now=NOW + timedelta(minutes=2),
    )
    held = services.get_booking(uow=uow, actor=actor(uow, "driver1"), booking_id=booking.id)
    assert held.status == "held" and "cold-chain checks" in held.hold_reason
    with pytest.raises(Conflict, match="suspended: cold-chain checks"):
        _book(uow, declare(uow, tractor_plate=plate(53), goods=[goods("030389", cold_chain=True)]))
    driver = actor(uow, "driver1")
    assert waiting_area.position(uow=uow, actor=driver, entry_id=first.id, now=NOW).status == "held"
    assert [c.plate for c in _call(uow, count=5, minutes=3)] == [plate(51)]
    policy_services.lift(
        uow=uow, actor=authority, suspension_id=stop.id, now=NOW + timedelta(minutes=4)
    )
    back = waiting_area.position(uow=uow, actor=driver, entry_id=first.id, now=NOW)
    assert (back.status, back.position) == ("waiting", 0)
    again = services.get_booking(uow=uow, actor=driver, booking_id=booking.id)
    assert again.status == "active"
    assert second.id  # the dry truck crossed meanwhile; nothing else moved


def test_green_zone_holds_direct_crossings(uow):
    _capacity(uow, vn=40, cn=40)
    direct = declare(uow, tractor_plate=plate(60), goods=[goods("080390")])
    swap = declare(
        uow, tractor_plate=plate(61), goods=[goods("080390")], delivery_mode="tractor_swap"
    )
    _rules(uow, green_zone=True)
    assert _arrive(uow, direct).status == "held"
    assert _arrive(uow, swap, 1).status == "waiting"
    with pytest.raises(Conflict, match="green-zone"):
        _book(uow, direct)
    _rules(uow, green_zone=False)
    assert [c.plate for c in _call(uow, count=5)] == [plate(60), plate(61)]


def test_capacity_drop_moves_the_latest_bookings_forward_with_a_notice(uow):
    _capacity(uow, vn=8, cn=8)  # quota 6
    trips = [declare(uow, tractor_plate=plate(70 + i)) for i in range(4)]
    bookings = [_book(uow, trip, seconds=i) for i, trip in enumerate(trips)]
    _capacity(uow, vn=2, cn=2, day=SLOT.astimezone(UTC).date())  # this day only: 2 per hour
    driver = actor(uow, "driver1")
    after = [services.get_booking(uow=uow, actor=driver, booking_id=b.id) for b in bookings]
    assert [b.slot_start for b in after[:2]] == [SLOT, SLOT]  # earliest made keep their hour
    assert all(b.slot_start > SLOT for b in after[2:])
    notices = waiting_area.notices(uow=uow, actor=driver)
    moved = [n for n in notices if n.kind == "moved"]
    assert len(moved) == 2
    assert {n.created_at for n in moved} == {NOW}, "told when the capacity dropped, not at the slot"


def test_capacity_drop_tells_the_waiting_trucks(uow):
    _capacity(uow, vn=10, cn=10)
    entry = _arrive(uow, declare(uow, tractor_plate=plate(80), goods=[goods("080390")]))
    _capacity(uow, vn=4, cn=10)
    [told] = [
        n for n in waiting_area.notices(uow=uow, actor=actor(uow, "driver1")) if n.kind == "slower"
    ]
    assert told.plate == entry.plate and "now 4 trucks an hour (was 10)" in told.message


def test_a_booked_truck_already_in_line_is_held_by_its_place_and_its_booking_is_used(uow):
    _capacity(uow)
    trip = declare(uow, tractor_plate=plate(90))
    booking = _book(uow, trip, slot=SLOT + timedelta(hours=3))
    entry = _arrive(uow, trip)  # early, by declaration: the booking comes with it
    assert entry.slot_start == booking.slot_start
    authority = actor(uow, "authority-vn")
    # Announced for an hour that covers the booked slot, not yet in force.
    stop = policy_services.suspend(
        uow=uow, actor=authority, now=NOW + timedelta(minutes=1),
        data=SuspensionIn(
            reason="fruit tested", gate_id="huu-nghi", hs_prefixes=["0810"],
            starts_at=SLOT + timedelta(hours=2), ends_at=SLOT + timedelta(hours=6),
        ),
    )  # fmt: skip
    driver = actor(uow, "driver1")
    assert services.get_booking(uow=uow, actor=driver, booking_id=booking.id).status == "active"
    [called] = _call(uow, minutes=30)
    assert called.id == entry.id
    used = services.get_booking(uow=uow, actor=driver, booking_id=booking.id)
    assert used.status == "used"
    policy_services.lift(
        uow=uow, actor=authority, suspension_id=stop.id, now=NOW + timedelta(hours=1)
    )
    after = services.get_booking(uow=uow, actor=driver, booking_id=booking.id)
    assert after.status == "used", "a used booking never comes back to life"
