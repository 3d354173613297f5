"""The gate's digital twin: a scenario built from the live gate, to run or to edit.

From a `GateSnapshot` (rules, both sides' declared capacity, suspensions in force or
announced, the trucks waiting now, the bookings to come, last week's walk-up trucks) this
writes a scenario file that starts at the top of the next hour on the gate's local clock and
runs the next `hours`. An authority changes one line of it (a rule, a capacity, a
suspension) and compares the two runs.
"""

import dataclasses
from collections import Counter
from datetime import datetime, time, timedelta

import tomli_w

from smartgate.policy.model import SIDES, Scope, Suspension, side_capacity
from smartgate.queue.snapshot import RECENT, GateSnapshot, TruckNow
from smartgate.shared.clock import SIDE_TZ
from smartgate.simulation.experiment import InlineExecutor, ScenarioResult, run_experiment
from smartgate.simulation.scenario import UNLIMITED, Scenario, parse
from smartgate.simulation.schemas import PlanIn

REPLICATIONS = 5  # per side of a comparison on the web page: a few seconds at a busy gate

HOUR = timedelta(hours=1)
# What the database does not know about the gate's work after the call: planning assumptions.
ASSUMED_SERVICE = {"dist": "lognormal", "mean_min": 2.0, "cv": 0.5}

HEADER = """\
# Taken from the live gate {gate} ({direction}) at {taken} UTC: the gate's rules, both sides'
# declared capacity, the suspensions in force or announced, the {waiting} trucks waiting or
# held and the {booked} bookings to come; walk-up demand from the last 7 days ({walk_ups}
# trucks). Hours are the {side} side's local clock; hour 0 is `start`.
# Assumed, not recorded: the inspection service time and the delivery units. Edit any line
# (a rule, a capacity, a suspension) and run both files to compare.
"""


def scenario_text(snapshot: GateSnapshot, hours: int) -> str:
    """A scenario file of the next `hours` at the gate, from the top of the next hour."""
    header = HEADER.format(
        gate=snapshot.gate_id,
        direction=snapshot.direction,
        taken=f"{snapshot.taken_at:%Y-%m-%d %H:%M}",
        waiting=len(snapshot.waiting),
        booked=len(snapshot.bookings),
        walk_ups=len(snapshot.walk_ups),
        side=snapshot.side,
    )
    return header + tomli_w.dumps(scenario_document(snapshot, hours))


def scenario_document(snapshot: GateSnapshot, hours: int) -> dict:
    """The scenario as a TOML-ready document (see docs/simulation.md for the keys)."""
    tz = SIDE_TZ[snapshot.side]
    start = (snapshot.taken_at.astimezone(tz) + HOUR).replace(minute=0, second=0, microsecond=0)
    origin = start.astimezone(tz)  # aware; scenario hours count from here

    def at(moment: datetime) -> float:
        return (moment - origin) / HOUR

    classes = _classes(snapshot)
    rules = snapshot.rules
    lanes = max(1, snapshot.lanes_open)
    document: dict = {
        "name": f"{snapshot.gate_id}-{snapshot.direction}-{start:%Y%m%d-%H%M}",
        "description": f"{snapshot.gate_id} {snapshot.direction}, the next {hours} h as it stands",
        "start": start.replace(tzinfo=None),
        "days": hours / 24,
        **_opening(snapshot, tz),
        "arrivals": _demand(snapshot, tz),
        "goods": {name: spec for name, spec in classes.values()},
        "rules": {
            "priority_order": list(rules.priority_order),
            "backlog_hours": rules.backlog_hours,
            "live_every": rules.live_every,
            "booking_share": rules.booking_share,
            "green_zone": rules.green_zone,
        },
        "capacity": _capacity(snapshot, start, hours),
        "inspection": {"lanes": lanes, "service": ASSUMED_SERVICE},
        "delivery": {
            "mode": "tractor_swap" if rules.green_zone else "direct_crossing",
            "units": lanes,
        },
    }
    if snapshot.yard_capacity:
        document["yard"] = {"capacity": snapshot.yard_capacity}
    suspensions = [
        _suspension(s, at) for s in snapshot.suspensions if s.ends_at is None or at(s.ends_at) > 0
    ]
    if suspensions:
        document["suspension"] = suspensions
    trucks = [_waiting(t, at, classes) for t in snapshot.waiting]
    trucks += [_booked(t, at, classes) for t in snapshot.bookings if at(t.slot_start) < hours]
    if trucks:
        document["truck"] = trucks
    return document


def _key(truck: TruckNow) -> tuple[frozenset[str], tuple[str, ...], str]:
    return truck.cargo.flags, tuple(sorted(set(truck.cargo.hs_codes))), truck.delivery_mode


def _classes(snapshot: GateSnapshot) -> dict[tuple, tuple[str, dict]]:
    """One goods class per kind of load (flags and HS codes), sharing as last week's walk-ups."""
    everyone = [*snapshot.waiting, *snapshot.bookings, *snapshot.walk_ups]
    demand = Counter(_key(t) for t in snapshot.walk_ups)
    seen = Counter(_key(t) for t in everyone)
    shares = demand if demand else seen
    if not seen:
        return {(frozenset(), (), "direct"): ("general", {"share": 1.0})}
    found = {}
    for key in seen:
        flags, codes, mode = key
        name = "-".join(sorted(flags)) or "general"
        name = f"{name} {' '.join(codes)}".strip() + ("" if mode == "direct" else f" ({mode})")
        spec = {"share": float(shares.get(key, 0)), "flags": sorted(flags), "hs": list(codes)}
        found[key] = (name, spec | {"mode": mode})
    return found


def _opening(snapshot: GateSnapshot, tz) -> dict:  # type: ignore[no-untyped-def]
    day = snapshot.taken_at.date()
    opens, closes = (
        datetime.combine(day, t, tzinfo=snapshot.taken_at.tzinfo).astimezone(tz)
        for t in (snapshot.open_utc, snapshot.close_utc)
    )
    closing = "24:00" if closes.time() == time(0) else f"{closes:%H:%M}"
    if closing != "24:00" and closes.time() <= opens.time():
        return {}  # open across midnight: the scenario's hours cannot say so; take all day
    return {"gate": {"opens": f"{opens:%H:%M}", "closes": closing}}


def _demand(snapshot: GateSnapshot, tz) -> dict:  # type: ignore[no-untyped-def]
    per_day = len(snapshot.walk_ups) / (RECENT / timedelta(days=1))
    if not snapshot.walk_ups:
        return {"per_day": 0.0}
    by_hour = Counter(t.arrived_at.astimezone(tz).hour for t in snapshot.walk_ups)
    return {"per_day": round(per_day, 3), "profile": [by_hour.get(h, 0) for h in range(24)]}


def _capacity(snapshot: GateSnapshot, start: datetime, hours: int) -> dict:
    """Each side's trucks an hour by local hour of day, the first day standing and the days
    that differ as changes."""
    declared = {f.side for f in snapshot.capacity}
    days = []
    first_day = start.replace(hour=0)
    for offset in range(-(-(start.hour + hours) // 24)):
        midnight = first_day + timedelta(days=offset)
        days.append({side: _day_figures(snapshot, side, declared, midnight) for side in SIDES})
    table: dict = {side.lower(): days[0][side] for side in SIDES}
    changes = [
        {"from_day": i, "until_day": i + 1, **{s.lower(): day[s] for s in SIDES}}
        for i, day in enumerate(days)
        if i and day != days[0]
    ]
    if changes:
        table["change"] = changes
    return table


def _day_figures(snapshot: GateSnapshot, side: str, declared: set[str], midnight: datetime):  # type: ignore[no-untyped-def]
    if side not in declared:
        return [UNLIMITED if declared else 0] * 24  # nothing declared at all: closed
    figures = []
    for hour in range(24):
        moment = (midnight + timedelta(hours=hour)).astimezone(snapshot.taken_at.tzinfo)
        figures.append(side_capacity(snapshot.capacity, side, moment.date(), moment.hour) or 0)
    return figures


def _suspension(suspension, at) -> dict:  # type: ignore[no-untyped-def]
    scope = suspension.scope
    spec: dict = {"from_day": max(0.0, at(suspension.starts_at)) / 24}
    if suspension.ends_at is not None:
        spec["until_day"] = at(suspension.ends_at) / 24
    if scope.flags:
        spec["flags"] = list(scope.flags)
    if scope.hs_prefixes:
        spec["hs_prefixes"] = list(scope.hs_prefixes)
    if not scope.flags and not scope.hs_prefixes:
        spec["all_goods"] = True
    spec["reason"] = suspension.reason
    return spec


def _waiting(truck: TruckNow, at, classes) -> dict:  # type: ignore[no-untyped-def]
    spec = {"arrives": round(at(truck.arrived_at), 6), "goods": classes[_key(truck)][0]}
    if truck.slot_start is not None:
        spec["slot"] = round(at(truck.slot_start))
    return spec


def _booked(truck: TruckNow, at, classes) -> dict:  # type: ignore[no-untyped-def]
    slot = round(at(truck.slot_start))
    return {"arrives": float(max(0, slot)), "goods": classes[_key(truck)][0], "slot": slot}


def changed(live: Scenario, plan: PlanIn) -> Scenario:
    """The live gate's scenario with the plan's changes."""
    rules = live.rules
    if plan.live_every is not None:
        rules = dataclasses.replace(rules, live_every=plan.live_every)
    if plan.backlog_hours is not None:
        rules = dataclasses.replace(rules, backlog_hours=plan.backlog_hours)
    if plan.green_zone is not None:
        rules = dataclasses.replace(rules, green_zone=plan.green_zone == "on")
    scenario = dataclasses.replace(live, rules=rules)
    if plan.capacity is not None:
        scenario = dataclasses.replace(scenario, capacity=scenario.with_capacity(plan.capacity))
    if plan.suspension == "lift":
        scenario = dataclasses.replace(scenario, suspensions=())
    elif plan.suspension is not None:
        stop = Suspension(Scope(flags=(plan.suspension,)), live.origin, None, "planned")
        scenario = dataclasses.replace(scenario, suspensions=(*live.suspensions, stop))
    # Green zone holds the trucks declared to cross with their drivers, as the gate does.
    return dataclasses.replace(scenario, name="with the change")


def compare(snapshot: GateSnapshot, plan: PlanIn, seed: int = 0) -> tuple[ScenarioResult, ...]:
    """The next hours as the gate stands and with the plan's changes, on the same seeds."""
    live = parse(scenario_text(snapshot, plan.hours), origin=f"{snapshot.gate_id} now")
    live = dataclasses.replace(live, name="as now")
    return tuple(
        run_experiment(
            [live, changed(live, plan)], REPLICATIONS, seed=seed, executor=InlineExecutor()
        )
    )
