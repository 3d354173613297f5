"""One set of rules: for random trucks, rules, capacity and suspensions, the gate's use-cases
on a real database and the simulator call the same trucks in the same order.

Both sides get the same trucks: some waiting before the start, some arriving later, some
holding a booking, with goods that make them priority classes or put them under a
suspension; the same call rules, capacity and suspensions. Then both call at the moments the
simulator calls: at each event (an arrival, the top of an hour, a suspension beginning or
ending), as many trucks as the hour allows. A booking held by a suspension is a booking rule
the simulator does not model, so booked trucks carry goods no suspension stops.
"""

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smartgate.declarations import services as declarations
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.policy import services as policy_services
from smartgate.policy.model import SIDES, CapacityFigure, GateRules, Scope, Suspension
from smartgate.policy.schemas import CapacityIn, GateRulesIO, SuspensionIn
from smartgate.queue import services, waiting_area
from smartgate.queue.schemas import ArrivalIn, BookingCreate, CallNextIn
from smartgate.shared.errors import Conflict
from smartgate.simulation.delivery import REGISTRY_NAMES, delivery_mode
from smartgate.simulation.distributions import Deterministic
from smartgate.simulation.gate import simulate
from smartgate.simulation.scenario import Arrivals, Goods, ListedTruck, Scenario, Stage

from factories import actor, declaration, goods, plate
from rollback import rolled_back

GATE = "mong-cai"
HOURS = 6  # the run; trucks arrive up to then
# Goods classes, their flags and an HS code Móng Cái permits for export.
CLASSES = {
    "general": ("080390", {}),
    "inputs": ("847989", {"production_input": True}),
    "fruit": ("080390", {"perishable": True}),
    "frozen": ("030389", {"cold_chain": True}),
}
GOODS = tuple(Goods(name, 0.0, frozenset(flags), (hs,)) for name, (hs, flags) in CLASSES.items())
quarters = st.integers(-20, 4 * HOURS - 1).map(lambda q: q / 4)  # exact on both clocks


@st.composite
def trucks(draw) -> list[ListedTruck]:
    found = []
    for _ in range(draw(st.integers(1, 14))):
        arrives = draw(quarters)
        goods_class = draw(st.sampled_from(list(CLASSES)))
        slot = None
        if goods_class != "frozen" and draw(st.booleans()):
            slot = float(draw(st.integers(max(0, int(arrives)), HOURS - 1)))
        found.append(ListedTruck(arrives, goods_class, slot))
    return found


@st.composite
def cases(draw) -> dict:
    per_hour = draw(st.integers(1, 3))
    listed = draw(trucks())
    # The API takes at most `per_hour` bookings for an hour (booking share 1).
    taken: dict[float, int] = {}
    for i, truck in enumerate(listed):
        if truck.slot is not None:
            taken[truck.slot] = taken.get(truck.slot, 0) + 1
            if taken[truck.slot] > per_hour:
                listed[i] = dataclasses.replace(truck, slot=None)
    start = draw(st.integers(0, HOURS))
    rules = GateRules(
        priority_order=tuple(
            draw(st.permutations(["backlog", "production_input", "perishable"]))[
                : draw(st.integers(0, 3))
            ]
        ),
        backlog_hours=draw(st.sampled_from([1.0, 4.0, 12.0])),
        live_every=draw(st.integers(1, 4)),
        booking_share=1.0,
        green_zone=draw(st.booleans()),
        bookings_per_minute=1000,
    )
    mode = draw(st.sampled_from(["direct_crossing", "tractor_swap"]))
    if rules.green_zone and mode == "direct_crossing":  # the gate takes no such booking
        listed = [dataclasses.replace(truck, slot=None) for truck in listed]
    return {
        "trucks": listed,
        "per_hour": per_hour,
        "rules": rules,
        "mode": mode,
        "suspended": draw(st.none() | st.tuples(st.just(start), st.integers(start + 1, HOURS + 1))),
    }


def _origin() -> datetime:
    return (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


def simulated_order(case: dict, origin: datetime) -> list[int]:
    """The listed trucks' indexes in the order the simulator calls them."""
    base = Scenario("rules", Arrivals(per_day=0), Stage(1000, Deterministic(0.01)))
    scenario = dataclasses.replace(
        base,
        start=origin.date(),
        days=HOURS / 24,
        goods=GOODS,
        trucks=tuple(case["trucks"]),
        rules=case["rules"],
        capacity=tuple(
            CapacityFigure(side, "", hour, case["per_hour"]) for side in SIDES for hour in range(24)
        ),
        suspensions=_suspensions(case, origin),
        delivery=delivery_mode(case["mode"], 1000),
    )
    run = simulate(scenario, np.random.default_rng(0))
    # The simulator numbers the trucks waiting at the start first, then the later arrivals.
    numbered = sorted(range(len(case["trucks"])), key=lambda i: _numbering(case["trucks"], i))
    called = sorted((t for t in run.trucks if t.call_number), key=lambda t: t.call_number)
    return [numbered[t.truck_id] for t in called]


def _numbering(listed: list[ListedTruck], i: int) -> tuple:
    return (listed[i].arrives >= 0, listed[i].arrives, i)


def _suspensions(case: dict, origin: datetime) -> tuple[Suspension, ...]:
    if case["suspended"] is None:
        return ()
    start, end = case["suspended"]
    return (
        Suspension(
            Scope(flags=("cold_chain",)),
            origin + timedelta(hours=start),
            origin + timedelta(hours=end),
            "cold chain tested",
        ),
    )


def api_order(uow, case: dict, origin: datetime) -> list[int]:
    """The listed trucks' indexes in the order the gate's use-cases call them."""
    authority, operator = actor(uow, "authority-vn"), actor(uow, "operator-mongcai")
    before = origin - timedelta(days=1)
    _set_policy(uow, authority, case, origin, before)
    listed = case["trucks"]
    trips = _declare(uow, listed, case["mode"])
    for i, truck in enumerate(listed):
        if truck.slot is not None:
            services.book(
                uow=uow,
                actor=actor(uow, "forwarder1"),
                data=BookingCreate(
                    declaration_id=trips[i], slot_start=origin + timedelta(hours=truck.slot)
                ),
                now=before,
            )
    _suspend(uow, authority, case, origin, before)  # after the bookings: it holds them
    index_of: dict[str, int] = {}
    order: list[int] = []

    def call(at: datetime) -> None:
        try:
            called = waiting_area.call_next(
                uow=uow,
                actor=operator,
                gate_id=GATE,
                data=CallNextIn(direction="export", count=50),
                now=at,
            )
        except Conflict:
            return  # this hour's capacity is used
        order.extend(index_of[str(entry.id)] for entry in called)

    def check_in(i: int, at: datetime) -> None:
        # By declaration: the truck brings its booking while the booking is active.
        arrival = ArrivalIn(declaration_id=trips[i])
        entry = waiting_area.check_in(uow=uow, actor=operator, gate_id=GATE, data=arrival, now=at)
        index_of[str(entry.id)] = i

    for i in sorted(range(len(listed)), key=lambda i: _numbering(listed, i)):
        if listed[i].arrives < 0:
            check_in(i, origin + timedelta(hours=listed[i].arrives))
    for moment in _moments(case):
        at = origin + timedelta(hours=moment)
        call(at)
        for i, truck in enumerate(listed):
            if truck.arrives == moment:
                check_in(i, at)
                call(at)
    return order


def _moments(case: dict) -> list[float]:
    # Every moment the simulator calls at: each hour, each arrival, each suspension change.
    moments = {float(h) for h in range(HOURS)}
    moments |= {t.arrives for t in case["trucks"] if t.arrives >= 0}
    if case["suspended"] is not None:
        moments |= {float(h) for h in case["suspended"] if h < HOURS}
    return sorted(moments)


def _set_policy(uow, authority, case, origin, before) -> None:
    rules = case["rules"]
    current = policy_services.gate_rules(uow=uow, gate_id=GATE).model_dump()
    current |= {
        "priority_order": list(rules.priority_order),
        "backlog_hours": rules.backlog_hours,
        "live_every": rules.live_every,
        "booking_share": rules.booking_share,
        "green_zone": rules.green_zone,
        "bookings_per_minute": rules.bookings_per_minute,
    }
    policy_services.set_gate_rules(
        uow=uow, actor=authority, gate_id=GATE, data=GateRulesIO(**current), now=before
    )
    for side in SIDES:
        capacity = CapacityIn(
            direction="export", side=side, trucks_per_hour=case["per_hour"], from_hour=0, to_hour=24
        )
        policy_services.declare_capacity(
            uow=uow, actor=authority, gate_id=GATE, data=capacity, own_side="VN", now=before
        )


def _suspend(uow, authority, case, origin, before) -> None:
    for suspension in _suspensions(case, origin):
        policy_services.suspend(
            uow=uow,
            actor=authority,
            data=SuspensionIn(
                reason=suspension.reason,
                gate_id=GATE,
                flags=list(suspension.scope.flags),
                starts_at=suspension.starts_at,
                ends_at=suspension.ends_at,
            ),
            now=before,
        )


def _declare(uow, listed: list[ListedTruck], mode: str) -> list:
    items = [
        DeclarationCreate.model_validate(
            declaration(
                gate_id=GATE,
                tractor_plate=plate(2000 + i),
                containers=[],
                delivery_mode=REGISTRY_NAMES[mode],
                expected_arrival=(_origin() + timedelta(hours=truck.arrives)).isoformat(),
                goods=[goods(CLASSES[truck.goods][0], **CLASSES[truck.goods][1])],
            )
        )
        for i, truck in enumerate(listed)
    ]
    outcome = declarations.declare_many(uow=uow, actor=actor(uow, "forwarder1"), items=items)
    assert not outcome.failed, outcome.failed
    return list(outcome.created)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
# A booking the suspension held (its hour, 01:00, fell in the stop) comes as a walk-up: at
# 03:00 the walk-up that came first goes before it, not the "booked" truck.
@example(
    case={
        "trucks": [
            ListedTruck(2.0, "general"),
            ListedTruck(2.5, "general"),
            ListedTruck(2.75, "frozen", 1.0),
        ],
        "per_hour": 1,
        "rules": GateRules(priority_order=(), live_every=1, booking_share=1.0,
                           bookings_per_minute=1000),
        "mode": "tractor_swap",
        "suspended": (0, 2),
    }
)  # fmt: skip
def test_the_gate_and_its_simulator_call_the_same_trucks_in_the_same_order(backend, case):
    origin = _origin()
    with rolled_back(backend) as uow:
        through_the_api = api_order(uow, case, origin)
    assert through_the_api == simulated_order(case, origin)
