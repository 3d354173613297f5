"""A gate scenario written in SimPy the way its documentation writes models, for the benchmark.

It takes the trucks of a smartgate run (the same arrivals, channels, goods and booked hours)
and the scenario's stages and service-time distributions: the yard as a PriorityResource the
trucks request by a fixed rank (priority classes in the gate's order, then booked trucks by
their hour, then walk-ups), inspection lanes closed outside opening hours by a process that
takes every lane at closing time, secondary inspection with its probability, and the delivery
units held for the handover and the turnaround. What SimPy's resources do not offer (the
live-per-booked ratio, promotion to backlog while waiting, the hourly cap) it leaves out, so
it does less work per truck than smartgate's gate model, not more.
"""

from collections.abc import Sequence

import numpy as np
import simpy

from smartgate.simulation.records import TruckRecord
from smartgate.simulation.scenario import Scenario

CLOSED = -1  # the closer's priority: ahead of every truck


def simpy_gate(scenario: Scenario, trucks: Sequence[TruckRecord], rng: np.random.Generator) -> int:
    """Run the scenario's trucks through the SimPy gate; returns the trucks that departed."""
    env = simpy.Environment()
    yard = simpy.PriorityResource(env, capacity=min(scenario.yard_capacity, 10**6))
    lanes = simpy.PriorityResource(env, capacity=scenario.inspection.lanes)
    inspect = scenario.inspection.service.sampler(rng)
    secondary = None
    if scenario.secondary is not None:
        secondary = simpy.Resource(env, capacity=scenario.secondary.lanes)
        second_look = scenario.secondary.service.sampler(rng)
    delivery = scenario.delivery
    units = simpy.Resource(env, capacity=delivery.units) if delivery else None
    handover = delivery.handover.sampler(rng) if delivery else None
    uniform = rng.random
    ranks = _ranks(scenario)
    departed = 0

    def truck(record: TruckRecord, slot: float | None):
        nonlocal departed
        rank = ranks.get(record.goods, len(scenario.rules.priority_order))
        booked = slot is not None and rank == len(scenario.rules.priority_order)
        priority = rank * 10**6 + (slot if booked else 10**5)
        with yard.request(priority=priority) as place:
            yield place
            with lanes.request(priority=0) as lane:
                yield lane
                yield env.timeout(inspect())
            if secondary is not None and uniform() < scenario.secondary_probability:
                with secondary.request() as bay:
                    yield bay
                    yield env.timeout(second_look())
            if units is not None:
                unit = units.request()
                yield unit
                yield env.timeout(handover())
                env.process(_return(env, units, unit, delivery.turnaround))
        departed += 1

    def arrivals():
        for record in sorted(trucks, key=lambda t: t.arrived):
            yield env.timeout(max(0.0, record.arrived - env.now))
            slot = float(int(record.arrived)) if record.channel == "booked" else None
            env.process(truck(record, slot))

    env.process(arrivals())
    if (scenario.opens, scenario.closes) != (0.0, 24.0):
        env.process(_opening_hours(env, lanes, scenario))
    env.run(until=scenario.horizon)
    return departed


def _ranks(scenario: Scenario) -> dict[str, int]:
    """Each goods class's place in the priority order (its best flag)."""
    order = scenario.rules.priority_order
    return {
        goods.name: min((order.index(f) for f in goods.flags if f in order), default=len(order))
        for goods in scenario.goods
    }


def _return(env: simpy.Environment, units: simpy.Resource, unit, turnaround: float):  # type: ignore[no-untyped-def]
    yield env.timeout(turnaround)
    units.release(unit)


def _opening_hours(env: simpy.Environment, lanes: simpy.PriorityResource, scenario: Scenario):  # type: ignore[no-untyped-def]
    """While closed, hold every lane (taken after the trucks being served finish)."""
    closed = [(0.0, scenario.opens)] if scenario.opens > 0 else []
    for day in range(int(scenario.horizon // 24) + 1):
        closed.append((day * 24 + scenario.closes, (day + 1) * 24 + scenario.opens))
    for start, end in closed:
        yield env.timeout(max(0.0, start - env.now))
        held = [lanes.request(priority=CLOSED) for _ in range(lanes.capacity)]
        yield env.all_of(held)
        yield env.timeout(max(0.0, end - env.now))
        for request in held:
            lanes.release(request)
