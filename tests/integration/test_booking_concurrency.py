"""Real concurrent clients, each on its own connection, released at once: on PostgreSQL and on
SQLite alike no slot is ever over-booked, no vehicle booked twice, no limit passed."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from smartgate.identity import services as identity
from smartgate.policy import services as policy_services
from smartgate.policy.schemas import CapacityIn, GateRulesIO
from smartgate.queue import services, waiting_area
from smartgate.queue.schemas import ArrivalIn, BookingCreate, BookingMove, CallNextIn
from smartgate.queue.tables import BookingRow, QueueEntryRow, SlotCountRow
from smartgate.shared.errors import Conflict, DomainError, TooManyRequests, ValidationFailed
from smartgate.uow import UnitOfWork

from factories import actor, declare, goods

NOW = (datetime.now(UTC) + timedelta(days=2)).replace(hour=2, minute=0, second=0, microsecond=0)
CLIENTS = 50


@pytest.fixture
def factory(backend):
    # Committed work, as real clients do: each test uses gates, plates and accounts of its own.
    return sessionmaker(bind=backend, expire_on_commit=False)


def _open_gate(factory, gate_id: str, trucks_per_hour: int) -> None:
    uow = UnitOfWork(factory)
    authority = actor(uow, "authority-vn")
    rules = policy_services.gate_rules(uow=uow, gate_id=gate_id).model_dump()
    rules["bookings_per_minute"] = 10_000  # this test is about the slot, not the rate limit
    policy_services.set_gate_rules(
        uow=uow, actor=authority, gate_id=gate_id, data=GateRulesIO(**rules), now=NOW
    )
    policy_services.declare_capacity(
        uow=uow,
        actor=authority,
        gate_id=gate_id,
        own_side="VN",
        now=NOW,
        data=CapacityIn(
            direction="import", trucks_per_hour=trucks_per_hour, from_hour=7, to_hour=19
        ),
    )


def _trips(factory, gate_id: str, count: int, series: str):
    uow = UnitOfWork(factory)
    return [
        declare(
            uow,
            "driver2",  # the other tests book as driver1; keep rate limits apart
            gate_id=gate_id,
            direction="import",
            tractor_plate=f"{series}-{i // 100:03d}.{i % 100:02d}",
            goods=[goods("847989", production_input=True)],
            containers=[],
        )
        for i in range(count)
    ]


def _race(factory, calls):
    """Run every call at the same instant from its own thread and connection."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        try:
            return call(UnitOfWork(factory))
        except DomainError as refusal:
            return refusal

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _booking(trip, slot, username="driver2"):
    def call(uow):
        data = BookingCreate(declaration_id=trip.id, slot_start=slot)
        return services.book(uow=uow, actor=actor(uow, username), data=data, now=NOW)

    return call


def test_fifty_clients_for_the_last_place_exactly_one_wins(factory):
    _open_gate(factory, "chi-ma", trucks_per_hour=2)  # quota 1 per hour
    slot = NOW + timedelta(hours=3)
    trips = _trips(factory, "chi-ma", CLIENTS, "15C")
    results = _race(factory, [_booking(trip, slot) for trip in trips])
    won = [r for r in results if not isinstance(r, Conflict)]
    assert len(won) == 1
    assert all("is full" in str(r) for r in results if isinstance(r, Conflict))
    with factory() as session:
        booked = session.scalar(
            select(SlotCountRow.booked).where(
                SlotCountRow.gate_id == "chi-ma", SlotCountRow.slot_start == slot
            )
        )
    assert booked == 1


def test_one_vehicle_racing_for_many_slots_gets_one_booking(factory):
    _open_gate(factory, "coc-nam", trucks_per_hour=40)
    [trip] = _trips(factory, "coc-nam", 1, "16C")
    slots = [NOW + timedelta(hours=h) for h in range(1, 9)] * 3
    results = _race(factory, [_booking(trip, slot) for slot in slots])
    assert sum(not isinstance(r, Conflict) for r in results) == 1
    _assert_counters_match_bookings(factory, "coc-nam")


def test_concurrent_booking_and_cancelling_keeps_counters_exact(factory):
    _open_gate(factory, "tan-thanh", trucks_per_hour=8)  # quota 6 per hour
    slot = NOW + timedelta(hours=4)
    trips = _trips(factory, "tan-thanh", 30, "17C")
    first = _race(factory, [_booking(trip, slot) for trip in trips[:6]])
    assert not any(isinstance(r, Conflict) for r in first)

    def cancelling(booking):
        def call(uow):
            return services.cancel(
                uow=uow, actor=actor(uow, "driver2"), booking_id=booking.id, now=NOW
            )

        return call

    calls = [cancelling(b) for b in first[:3]] + [_booking(t, slot) for t in trips[6:]]
    results = _race(factory, calls)
    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes["BookingRead"] <= 3 + 3  # three cancels plus at most three new places
    _assert_counters_match_bookings(factory, "tan-thanh")


def _assert_counters_match_bookings(factory, gate_id: str) -> None:
    with factory() as session:
        counters = dict(
            session.execute(
                select(SlotCountRow.slot_start, SlotCountRow.booked).where(
                    SlotCountRow.gate_id == gate_id
                )
            ).all()
        )
        actual = dict(
            session.execute(
                select(BookingRow.slot_start, func.count())
                .where(BookingRow.gate_id == gate_id, BookingRow.status == "active")
                .group_by(BookingRow.slot_start)
            ).all()
        )
    assert {s: n for s, n in counters.items() if n} == actual


def _account(factory, name: str, role: str, **binding) -> str:
    new = identity.NewUser(name, "a-long-enough-password", role, name, **binding)
    identity.create_user(uow=UnitOfWork(factory), new=new)
    return name


def _limit_bookings(factory, gate_id: str, per_minute: int) -> None:
    uow = UnitOfWork(factory)
    rules = policy_services.gate_rules(uow=uow, gate_id=gate_id).model_dump()
    policy_services.set_gate_rules(
        uow=uow, actor=actor(uow, "authority-vn"), gate_id=gate_id, now=NOW,
        data=GateRulesIO(**rules | {"bookings_per_minute": per_minute}),
    )  # fmt: skip


def _trips_of(factory, username: str, gate_id: str, count: int, series: str):
    uow = UnitOfWork(factory)
    return [
        declare(
            uow, username, gate_id=gate_id, direction="import", containers=[],
            tractor_plate=f"{series}-{i // 100:03d}.{i % 100:02d}",
            goods=[goods("847989", production_input=True)],
        )
        for i in range(count)
    ]  # fmt: skip


def test_a_burst_from_one_account_never_passes_its_booking_rate(factory):
    _open_gate(factory, "coc-nam", trucks_per_hour=40)
    _limit_bookings(factory, "coc-nam", per_minute=5)
    driver = _account(factory, "racer-driver", "driver")
    trips = _trips_of(factory, driver, "coc-nam", 20, "18C")
    slots = [NOW + timedelta(hours=1 + i % 8) for i in range(20)]
    results = _race(factory, [_booking(t, s, driver) for t, s in zip(trips, slots, strict=True)])
    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"BookingRead": 5, "TooManyRequests": 15}
    _assert_counters_match_bookings(factory, "coc-nam")


def test_a_forwarder_booking_a_colleagues_trips_is_charged_itself(factory):
    _open_gate(factory, "coc-nam", trucks_per_hour=40)
    _limit_bookings(factory, "coc-nam", per_minute=5)
    company = {"company": "Racer Logistics"}
    driver = _account(factory, "racer-colleague", "driver", **company)
    forwarder = _account(factory, "racer-forwarder", "forwarder", **company)
    trips = _trips_of(factory, driver, "coc-nam", 12, "19C")
    slot = NOW + timedelta(hours=5)
    results = _race(factory, [_booking(t, slot, forwarder) for t in trips[:10]])
    assert sum(not isinstance(r, Exception) for r in results) == 5
    assert sum(isinstance(r, TooManyRequests) for r in results) == 5
    assert _booking(trips[11], slot, driver)(UnitOfWork(factory)).status == "active"


def test_refused_requests_count_against_the_rate_too(factory):
    _open_gate(factory, "coc-nam", trucks_per_hour=40)
    _limit_bookings(factory, "coc-nam", per_minute=5)
    driver = _account(factory, "racer-prober", "driver")
    trips = _trips_of(factory, driver, "coc-nam", 2, "20C")
    closed = NOW - timedelta(hours=9)  # in the past: refused, but asked
    for _ in range(5):
        refused = _booking(trips[0], closed, driver)
        with pytest.raises(ValidationFailed):
            refused(UnitOfWork(factory))
    with pytest.raises(TooManyRequests) as waiting:
        _booking(trips[1], NOW + timedelta(hours=2), driver)(UnitOfWork(factory))
    assert 1 <= waiting.value.retry_after <= 60


def test_concurrent_moves_of_one_booking_stop_at_the_limit_and_leave_no_phantom_places(factory):
    _open_gate(factory, "chi-ma", trucks_per_hour=40)
    driver = _account(factory, "racer-mover", "driver")
    [trip] = _trips_of(factory, driver, "chi-ma", 1, "21C")
    booked = _booking(trip, NOW + timedelta(hours=1), driver)(UnitOfWork(factory))

    def moving(hours):
        def call(uow):
            data = BookingMove(slot_start=NOW + timedelta(hours=hours))
            return services.move(
                uow=uow, actor=actor(uow, driver), booking_id=booked.id, data=data, now=NOW
            )

        return call

    results = _race(factory, [moving(2 + i % 6) for i in range(12)])
    assert sum(not isinstance(r, Exception) for r in results) == 2  # max_reschedules
    _assert_counters_match_bookings(factory, "chi-ma")


def test_crossed_and_left_at_once_give_each_truck_one_outcome(factory):
    _open_gate(factory, "chi-ma", trucks_per_hour=40)
    operator = _account(factory, "racer-operator", "operator", gate_id="chi-ma")
    driver = _account(factory, "racer-crosser", "driver")
    trips = _trips_of(factory, driver, "chi-ma", 10, "22C")
    for trip in trips:
        uow = UnitOfWork(factory)
        data = ArrivalIn(declaration_id=trip.id)
        waiting_area.check_in(
            uow=uow, actor=actor(uow, operator), gate_id="chi-ma", data=data, now=NOW
        )
    uow = UnitOfWork(factory)
    called = waiting_area.call_next(
        uow=uow, actor=actor(uow, operator), gate_id="chi-ma", now=NOW,
        data=CallNextIn(direction="import", count=10),
    )  # fmt: skip
    assert len(called) == 10

    def finishing(entry, outcome):
        finish = waiting_area.mark_crossed if outcome == "crossed" else waiting_area.mark_left

        def call(uow):
            return finish(
                uow=uow, actor=actor(uow, operator), gate_id="chi-ma", entry_id=entry.id, now=NOW
            )

        return call

    calls = [finishing(e, outcome) for e in called for outcome in ("crossed", "left")]
    results = _race(factory, calls)
    assert sum(not isinstance(r, Exception) for r in results) == 10
    # The outcome each truck keeps is the one that was accepted, and the other was refused.
    accepted = {r.id: r.status for r in results if not isinstance(r, Exception)}
    assert len(accepted) == 10
    with factory() as session:
        ids = [e.id for e in called]
        rows = session.execute(
            select(QueueEntryRow.id, QueueEntryRow.status).where(QueueEntryRow.id.in_(ids))
        )
        assert {row.id: row.status for row in rows} == accepted
