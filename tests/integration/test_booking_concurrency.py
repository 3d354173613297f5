"""Real concurrent clients on PostgreSQL: no slot is ever over-booked, no vehicle booked twice."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from smartgate.policy.schemas import CapacityIn, GateRulesIO
from smartgate.queue import planning, services
from smartgate.queue.schemas import BookingCreate
from smartgate.queue.tables import BookingRow, SlotCountRow
from smartgate.shared.errors import Conflict
from smartgate.uow import UnitOfWork

from factories import actor, declare, goods

NOW = (datetime.now(UTC) + timedelta(days=2)).replace(hour=2, minute=0, second=0, microsecond=0)
CLIENTS = 50


@pytest.fixture
def factory(migrated_engines):
    if "postgresql" not in migrated_engines:
        pytest.skip("needs SMARTGATE_TEST_DATABASE_URL: concurrency is tested on PostgreSQL")
    return sessionmaker(bind=migrated_engines["postgresql"], expire_on_commit=False)


def _open_gate(factory, gate_id: str, trucks_per_hour: int) -> None:
    uow = UnitOfWork(factory)
    authority = actor(uow, "authority-vn")
    rules = planning.gate_rules(uow=uow, gate_id=gate_id).model_dump()
    rules["bookings_per_minute"] = 10_000  # this test is about the slot, not the rate limit
    planning.set_gate_rules(
        uow=uow, actor=authority, gate_id=gate_id, data=GateRulesIO(**rules), now=NOW
    )
    planning.declare_capacity(
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
        except Conflict as refusal:
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
