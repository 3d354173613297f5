"""Replays the Móng Cái reopening of 26 April 2022 (seed 004): a backlog of 1,000 trucks,
cold chain suspended, production inputs and backlog first, drained at the declared capacity."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from smartgate.declarations import services as declarations
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.policy.schemas import CapacityIn, GateRulesIO, SuspensionIn
from smartgate.queue import planning, waiting
from smartgate.queue.schemas import ArrivalIn, CallNextIn
from smartgate.shared.errors import Conflict

from factories import actor, declaration, goods, plate

GATE = "mong-cai"
PER_HOUR = 40
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
    rules = planning.gate_rules(uow=uow, gate_id=GATE).model_dump()
    rules |= {"priority_order": ["production_input", "backlog"], "backlog_hours": 24}
    planning.set_gate_rules(
        uow=uow, actor=authority, gate_id=GATE, data=GateRulesIO(**rules), now=REOPENING
    )
    for side in ("VN", "CN"):
        capacity = CapacityIn(
            direction="export", side=side, trucks_per_hour=PER_HOUR, from_hour=7, to_hour=19
        )
        planning.declare_capacity(
            uow=uow, actor=authority, gate_id=GATE, data=capacity, own_side="VN", now=REOPENING
        )


def _declare_backlog(uow) -> dict[str, str]:
    forwarder = actor(uow, "forwarder1")
    items = [
        DeclarationCreate.model_validate(
            declaration(
                gate_id=GATE, tractor_plate=plate(1000 + i), containers=[], goods=[CARGO[kind]]
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
        entry = waiting.check_in(
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
            while batch := waiting.call_next(
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
    planning.suspend(
        uow=uow,
        actor=actor(uow, "authority-vn"),
        data=SuspensionIn(
            reason="cold-chain loads tested first", gate_id=GATE, flags=["cold_chain"]
        ),
        now=REOPENING,
    )
    hours = _drain(uow)
    order = [p for _, called in hours for p in called]

    assert not [p for p in order if kinds[p] == "cold_chain"], "a cold-chain truck was called"
    assert Counter(kinds[p] for p in order) == {"production_input": 100, "dry": 750, "fresh": 50}
    assert {kinds[p] for p in order[:100]} == {"production_input"}, "production inputs lead"
    assert {kinds[p] for p in order[100:850]} == {"dry"}, "then the backlog, before today's trucks"
    per_hour = [len(called) for _, called in hours]
    assert per_hour[:-1] == [PER_HOUR] * (len(per_hour) - 1), "drains at the declared capacity"
    assert len(per_hour) == -(-900 // PER_HOUR)
