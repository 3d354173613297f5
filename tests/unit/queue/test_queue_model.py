"""Queue ordering rules, checked against many random waiting areas."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartgate.queue import model
from smartgate.queue.model import (
    BOOKED,
    LIVE,
    CallRules,
    GateQueue,
    VehicleRecord,
    Waiting,
    build_queue,
    cancellation_fault,
    declaration_fault,
    eta,
    no_show_fault,
    rate_fault,
    rate_retry_seconds,
    slot_fault,
)
from smartgate.shared.errors import Conflict

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def truck(seq: int, *, hours_ago: float = 1.0, slot_in: float | None = None, flags=()) -> Waiting:
    slot = None if slot_in is None else (NOW + timedelta(hours=slot_in)).replace(minute=0)
    return Waiting(
        id=f"t{seq}",
        seq=seq,
        arrived_at=NOW - timedelta(hours=hours_ago),
        slot_start=slot,
        flags=frozenset(flags),
    )


trucks = st.lists(
    st.builds(
        lambda hours_ago, slot_in, flags: (hours_ago, slot_in, flags),
        st.floats(0, 80),
        st.none() | st.integers(-5, 5),
        st.sets(st.sampled_from(["production_input", "perishable", "cold_chain"]), max_size=2),
    ),
    max_size=40,
)
rules_strategy = st.builds(
    CallRules,
    priority_order=st.permutations(["backlog", "production_input", "perishable"]).map(tuple)
    | st.just(()),
    backlog_hours=st.sampled_from([6.0, 24.0, 72.0]),
    live_every=st.integers(1, 5),
)


def _queue(specs, rules, since=0) -> GateQueue:
    made = [truck(i, hours_ago=h, slot_in=s, flags=f) for i, (h, s, f) in enumerate(specs)]
    queue = build_queue(made, rules, NOW)
    queue.booked_since_live = since
    return queue


@settings(max_examples=300)
@given(trucks, rules_strategy, st.integers(0, 6))
def test_position_is_exactly_the_number_called_before(specs, rules, since):
    queue = _queue(specs, rules, since)
    order = [t.id for t in queue.in_call_order(NOW, len(queue))]
    assert sorted(order) == sorted(f"t{i}" for i in range(len(specs)))
    for place, truck_id in enumerate(order):
        assert queue.position(truck_id, NOW) == place


@settings(max_examples=200)
@given(trucks, rules_strategy, st.integers(0, 6), st.integers(0, 12))
def test_the_first_few_in_call_order_are_the_head_of_the_whole_order(specs, rules, since, few):
    queue = _queue(specs, rules, since)
    whole = [t.id for t in queue.in_call_order(NOW, len(queue))]
    assert [t.id for t in queue.in_call_order(NOW, few)] == whole[:few]


@given(trucks, rules_strategy)
def test_priority_classes_lead_in_their_configured_order(specs, rules):
    queue = _queue(specs, rules)
    lanes = [queue.lane_of(t.id, NOW) for t in queue.in_call_order(NOW, len(queue))]
    ranks = [rules.rank(lane) for lane in lanes if lane in rules.priority_order]
    assert ranks == sorted(ranks)
    priority_count = len(ranks)
    assert all(lane in rules.priority_order for lane in lanes[:priority_count])


@given(trucks, st.integers(1, 5))
def test_live_trucks_are_never_starved_by_bookings(specs, every):
    queue = _queue(specs, CallRules(priority_order=(), live_every=every))
    lanes, run = [], 0
    while (called := queue.call_next(NOW)) is not None:
        lane = BOOKED if called.slot_start is not None else LIVE
        lanes.append(lane)
        if lane == BOOKED and called.slot_start <= NOW:
            run += 1
        else:
            run = 0
        live_left = queue.counts(NOW)[LIVE]
        assert run <= every or live_left == 0


def test_mong_cai_order_backlog_then_production_inputs_then_the_rest():
    rules = CallRules(priority_order=("backlog", "production_input"), backlog_hours=48)
    queue = build_queue(
        [
            truck(1, hours_ago=2),
            truck(2, hours_ago=3, flags={"production_input"}),
            truck(3, hours_ago=100),
            truck(4, hours_ago=1, slot_in=-1),
            truck(5, hours_ago=60, flags={"production_input"}),
        ],
        rules,
        NOW,
    )
    assert [t.id for t in queue.in_call_order(NOW, 10)] == ["t3", "t5", "t2", "t4", "t1"]


def test_waiting_past_the_threshold_moves_a_truck_into_backlog():
    queue = build_queue([truck(1, hours_ago=23), truck(2, hours_ago=1)], CallRules(), NOW)
    assert queue.lane_of("t1", NOW) == LIVE
    assert queue.lane_of("t1", NOW + timedelta(hours=2)) == "backlog"
    assert queue.position("t1", NOW + timedelta(hours=2)) == 0


def test_hold_and_release_keeps_the_place_in_line():
    queue = build_queue([truck(i, hours_ago=5 - i) for i in range(4)], CallRules(), NOW)
    held = queue.remove("t1")
    assert queue.position("t2", NOW) == 1
    queue.add(held, NOW)
    assert queue.position("t1", NOW) == 1


def test_early_booked_truck_uses_an_idle_lane_but_never_jumps_the_line():
    queue = build_queue([truck(1, slot_in=3), truck(2, hours_ago=0.5)], CallRules(), NOW)
    assert queue.position("t1", NOW) == 1
    assert [t.id for t in queue.in_call_order(NOW, 5)] == ["t2", "t1"]


def test_rules_refuse_unknown_classes_and_zero_ratio():
    with pytest.raises(ValueError, match="unknown priority classes: vip"):
        CallRules(priority_order=("vip",))
    with pytest.raises(ValueError, match="live_every"):
        CallRules(live_every=0)


def test_slot_rules():
    assert str(slot_fault(NOW.replace(minute=30), NOW, 14)) == "must start on the hour (e.g. 08:00)"
    assert str(slot_fault(NOW - timedelta(hours=1), NOW, 14)) == "is in the past"
    assert slot_fault(NOW, NOW, 14) is None  # the current hour is still bookable
    assert str(slot_fault(NOW + timedelta(days=15), NOW, 14)) == "is more than 14 days ahead"


@given(st.integers(0, 100_000), st.integers(1, 120), st.integers(0, 59))
def test_eta_at_a_steady_rate_is_the_trucks_ahead_over_the_rate(ahead, rate, minute):
    # Past the two weeks walked hour by hour too: the fortnight's pattern repeats.
    now = NOW.replace(minute=minute)
    found = eta(now, ahead, lambda moment: rate)
    expected = now + timedelta(hours=(ahead + 1) / rate)
    assert found is not None and abs(found - expected) < timedelta(milliseconds=1)


def test_eta_waits_for_the_next_hour_when_this_hours_capacity_is_used():
    at_10_50 = NOW.replace(hour=10, minute=50)
    assert eta(at_10_50, 0, lambda moment: 60, room_this_hour=0) == NOW.replace(hour=11, minute=1)
    assert eta(at_10_50, 0, lambda moment: 60, room_this_hour=1) == NOW.replace(hour=10, minute=51)


def test_eta_waits_for_the_gate_to_open_and_admits_when_nothing_moves():
    night = NOW.replace(hour=20, minute=30)  # closed from 20:00 until 08:00 next morning

    def open_8_to_20(moment):
        return 10 if 8 <= moment.hour < 20 else 0

    assert eta(night, 4, open_8_to_20) == (night + timedelta(days=1)).replace(hour=8, minute=30)
    # 25 trucks at 10 an hour: 20 in today's last two hours, the rest by 08:30 tomorrow.
    evening = NOW.replace(hour=18, minute=0)
    tomorrow = evening + timedelta(days=1)
    assert eta(evening, 24, open_8_to_20) == tomorrow.replace(hour=8, minute=30)
    assert eta(NOW, 9, lambda moment: 0) is None


@given(st.integers(-200, 200), st.integers(1, 240))
def test_a_declaration_runs_out_exactly_its_hours_after_the_expected_arrival(hours_on, valid):
    fault = declaration_fault(NOW, NOW + timedelta(hours=hours_on), valid)
    assert (fault is not None) == (hours_on >= valid)


def _record(**facts):
    blank = {
        "rate_blocker": None, "cancellations": 0, "last_cancelled": None, "no_shows": 0,
        "last_no_show": None, "live_booking": None, "trip_booking": None,
    }  # fmt: skip
    return VehicleRecord(**(blank | facts))


@given(st.lists(st.floats(0, 120), max_size=30), st.integers(1, 20))
def test_a_request_is_refused_exactly_when_the_minute_holds_the_limit(seconds_ago, per_minute):
    # Earlier requests of the account, newest first; the rate looks at the one `per_minute`
    # before this request.
    earlier = sorted(seconds_ago)
    blocker = earlier[per_minute - 1] if len(earlier) >= per_minute else None
    moment = None if blocker is None else NOW - timedelta(seconds=blocker)
    fault = rate_fault(_record(rate_blocker=moment), per_minute, NOW)
    in_last_minute = sum(1 for s in earlier if s < 60)
    assert (fault is not None) == (in_last_minute >= per_minute)


@given(st.floats(0, 59.9))
def test_a_refused_booking_may_retry_when_its_blocker_is_a_minute_old(seconds_ago):
    blocker = NOW - timedelta(seconds=seconds_ago)
    record = _record(rate_blocker=blocker)
    wait = rate_retry_seconds(record, NOW)
    assert 1 <= wait <= 60
    assert rate_fault(record, 5, NOW + timedelta(seconds=wait)) is None


@given(st.integers(0, 5), st.integers(1, 4), st.integers(0, 240), st.integers(1, 180))
def test_cancelling_pauses_rebooking_only_past_the_limit_and_within_the_cooldown(
    cancels, limit, minutes_ago, cooldown
):
    record = _record(cancellations=cancels, last_cancelled=NOW - timedelta(minutes=minutes_ago))
    fault = cancellation_fault(record, limit, timedelta(minutes=cooldown), NOW)
    assert (fault is not None) == (cancels >= limit and minutes_ago < cooldown)


def test_repeated_no_shows_block_booking_until_a_week_after_the_last():
    record = _record(no_shows=2, last_no_show=NOW - timedelta(days=1))
    assert no_show_fault(record, 3, timedelta(days=7)) is None
    fault = no_show_fault(record, 2, timedelta(days=7))
    assert fault is not None and "missed 2 calls" in str(fault)
    assert (NOW + timedelta(days=6)).strftime("%Y-%m-%d %H:%M UTC") in str(fault)


class _Booking:
    def __init__(self, status: str) -> None:
        self.status, self.hold_reason = status, None


@given(
    st.sampled_from(sorted(model.BOOKING_TRANSITIONS)),
    st.sampled_from(sorted(model.BOOKING_TRANSITIONS)),
)
def test_a_booking_moves_only_as_its_table_allows(status, target):
    booking = _Booking(status)
    if target in model.BOOKING_TRANSITIONS[status]:
        model.move_booking(booking, target, "why")
        assert (booking.status, booking.hold_reason) == (target, "why")
    else:
        with pytest.raises(Conflict) as refused:
            model.move_booking(booking, target)
        assert booking.status == status
        allowed = ", ".join(sorted(model.BOOKING_TRANSITIONS[status])) or "none"
        assert str(refused.value).endswith(f"(allowed: {allowed})")


def test_live_states_and_the_states_a_move_starts_from_come_from_the_tables():
    assert model.live(model.BOOKING_TRANSITIONS) == ("active", "held")
    assert model.live(model.ENTRY_TRANSITIONS) == ("waiting", "held", "called")
    assert model.coming_from(model.BOOKING_TRANSITIONS, "used") == ("active", "held")
    assert model.coming_from(model.ENTRY_TRANSITIONS, "called") == ("waiting",)


class _Entry:
    def __init__(self, status: str) -> None:
        self.status, self.left_at = status, None


@given(
    st.sampled_from(sorted(model.ENTRY_TRANSITIONS)),
    st.sampled_from(sorted(model.ENTRY_TRANSITIONS)),
)
def test_a_place_in_line_moves_only_as_its_table_allows(status, target):
    entry = _Entry(status)
    if target in model.ENTRY_TRANSITIONS[status]:
        model.move_entry(entry, target, left_at="now")
        assert (entry.status, entry.left_at) == (target, "now")
    else:
        with pytest.raises(Conflict):
            model.move_entry(entry, target, left_at="now")
        assert (entry.status, entry.left_at) == (status, None)
