"""Replays the Móng Cái reopening of 26 April 2022 (seed 004) through the gate's use-cases
under the shipped scenario's policy (the one the simulator plans with): a backlog of 1,000
trucks, cold chain suspended, backlog and production inputs first, green zone, drained at the
capacity both sides declared."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from smartgate.declarations import services as declarations
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.policy import services as policy_services
from smartgate.policy.model import SIDES, effective_capacity
from smartgate.policy.schemas import CapacityIn, GateRulesIO, SuspensionIn
from smartgate.queue import waiting_area
from smartgate.queue.schemas import ArrivalIn, CallNextIn
from smartgate.shared.clock import SIDE_TZ
from smartgate.shared.errors import Conflict
from smartgate.simulation import scenario

from factories import actor, declaration, goods, plate

GATE = "mong-cai"
POLICY = scenario.load("mong-cai-2022-04")
# The scenario's hours are the Vietnamese side's clock.
OPEN_HOURS = [h for h in range(24) if effective_capacity(POLICY.capacity, POLICY.start, h)]
PER_HOUR = effective_capacity(POLICY.capacity, POLICY.start, OPEN_HOURS[0])
REOPENING = (datetime.now(UTC) + timedelta(days=1)).replace(
    hour=1, minute=0, second=0, microsecond=0
)
# 100 production inputs, 150 cold-chain loads, 750 other goods waited for days; 50 arrive today.
KINDS = ["production_input"] * 100 + ["cold_chain"] * 150 + ["dry"] * 750 + ["fresh"] * 50
CARGO = {
    "production_input": goods("847989", production_input=True),
    "cold_chain": goods("030389", cold_chain=True),
    "dry": goods("080390"),
    "fresh": goods("080390"),
}


def _arrival(index: int, kind: str) -> datetime:
    if kind == "fresh":
        return REOPENING + timedelta(minutes=index % 50)
    return REOPENING - timedelta(days=4) + timedelta(minutes=5 * index)


def _reopen_with_the_2022_rules(uow) -> None:
    authority = actor(uow, "authority-vn")
    rules = policy_services.gate_rules(uow=uow, gate_id=GATE).model_dump()
    scenario_rules = POLICY.rules
    rules |= {
        "priority_order": list(scenario_rules.priority_order),
        "backlog_hours": scenario_rules.backlog_hours,
        "live_every": scenario_rules.live_every,
        "booking_share": scenario_rules.booking_share,
        "green_zone": scenario_rules.green_zone,
    }
    policy_services.set_gate_rules(
        uow=uow, actor=authority, gate_id=GATE, data=GateRulesIO(**rules), now=REOPENING
    )
    assert list(range(OPEN_HOURS[0], OPEN_HOURS[-1] + 1)) == OPEN_HOURS, "one opening a day"
    for side in SIDES:
        # Each side declares on its own clock.
        shift = round((_offset(side) - _offset("VN")) / timedelta(hours=1))
        capacity = CapacityIn(
            direction="export",
            side=side,
            trucks_per_hour=PER_HOUR,
            from_hour=OPEN_HOURS[0] + shift,
            to_hour=OPEN_HOURS[-1] + 1 + shift,
        )
        policy_services.declare_capacity(
            uow=uow, actor=authority, gate_id=GATE, data=capacity, own_side="VN", now=REOPENING
        )


def _offset(side: str) -> timedelta:
    return REOPENING.astimezone(SIDE_TZ[side]).utcoffset() or timedelta()


def _declare_backlog(uow) -> dict[str, str]:
    forwarder = actor(uow, "forwarder1")
    items = [
        DeclarationCreate.model_validate(
            declaration(
                gate_id=GATE,
                tractor_plate=plate(1000 + i),
                containers=[],
                goods=[CARGO[kind]],
                delivery_mode="tractor_swap",  # green zone: a contactless handover
            )
        )
        for i, kind in enumerate(KINDS)
    ]
    outcome = declarations.declare_many(uow=uow, actor=forwarder, items=items)
    assert not outcome.failed
    return {str(trip_id): kind for trip_id, kind in zip(outcome.created, KINDS, strict=True)}


def _check_in_everyone(uow, kinds: dict[str, str]) -> dict[str, str]:
    """Each truck joins the waiting area when it arrived; returns plate → kind."""
    operator = actor(uow, "operator-mongcai")
    by_plate = {}
    trucks = sorted(enumerate(kinds.items()), key=lambda t: _arrival(t[0], t[1][1]))
    for index, (trip_id, kind) in trucks:
        entry = waiting_area.check_in(
            uow=uow,
            actor=operator,
            gate_id=GATE,
            data=ArrivalIn(declaration_id=trip_id),
            now=_arrival(index, kind),
        )
        by_plate[entry.plate] = kind
    return by_plate


def _drain(uow) -> list[tuple[datetime, list[str]]]:
    """Call trucks hour by hour, as many as each hour allows, until nobody callable is left."""
    operator = actor(uow, "operator-mongcai")
    hours, hour = [], REOPENING
    while True:
        called = []
        try:
            while batch := waiting_area.call_next(
                uow=uow,
                actor=operator,
                gate_id=GATE,
                data=CallNextIn(direction="export", count=50),
                now=hour + timedelta(minutes=1),
            ):
                called += [c.plate for c in batch]
        except Conflict:
            pass  # the hour is used up, or the gate is closed
        if called:
            hours.append((hour, called))
        elif hour.astimezone(UTC).hour == 1 and hours:  # a whole open day passed with no call
            return hours
        hour += timedelta(hours=1)


def test_mong_cai_reopening(uow):
    _reopen_with_the_2022_rules(uow)
    kinds = _check_in_everyone(uow, _declare_backlog(uow))
    [cold_chain] = POLICY.suspensions  # from the reopening until lifted
    policy_services.suspend(
        uow=uow,
        actor=actor(uow, "authority-vn"),
        data=SuspensionIn(
            reason=cold_chain.reason, gate_id=GATE, flags=list(cold_chain.scope.flags)
        ),
        now=REOPENING,
    )
    hours = _drain(uow)
    order = [p for _, called in hours for p in called]

    assert not [p for p in order if kinds[p] == "cold_chain"], "a cold-chain truck was called"
    assert Counter(kinds[p] for p in order) == {"production_input": 100, "dry": 750, "fresh": 50}
    # Production inputs waited longest, so they lead the backlog; today's trucks come last.
    assert {kinds[p] for p in order[:100]} == {"production_input"}, "production inputs lead"
    assert {kinds[p] for p in order[100:850]} == {"dry"}, "then the backlog, before today's trucks"
    per_hour = [len(called) for _, called in hours]
    assert per_hour[:-1] == [PER_HOUR] * (len(per_hour) - 1), "drains at the declared capacity"
    assert len(per_hour) == -(-900 // PER_HOUR)
