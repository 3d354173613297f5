"""The gate model: arrivals -> yard (blocking when full) -> inspection -> secondary -> handover.

A truck waits on the road until the yard has room, holds its yard place until handed over,
and queues for the inspection lanes inside the yard. Suspended goods are held off the gate
(counted in the system, never cleared) until their suspension ends. Inspection, secondary
inspection and handover only start work inside opening hours; the yard admits around the clock.
"""

import math
from collections.abc import Iterable, Iterator
from itertools import count
from operator import attrgetter
from typing import NamedTuple

import numpy as np

from smartgate.simulation.arrivals import booked_times, live_times, replay_times
from smartgate.simulation.distributions import stream
from smartgate.simulation.kernel import Kernel
from smartgate.simulation.records import Sample, Summary, TruckRecord
from smartgate.simulation.resources import FifoQueue, PriorityQueue, Slots, Station
from smartgate.simulation.scenario import CHANNELS, Scenario


class GateRun(NamedTuple):
    """Everything one replication produced."""

    summary: Summary
    trucks: tuple[TruckRecord, ...]
    samples: tuple[Sample, ...]


def simulate(scenario: Scenario, rng: np.random.Generator) -> GateRun:
    """Run one replication of `scenario` with randomness from `rng`."""
    return GateModel(scenario, rng).run()


class Truck:
    """A truck moving through the model; timestamps in hours."""

    __slots__ = (
        "id",
        "channel",
        "goods",
        "rank",
        "arrived",
        "inspection_start",
        "inspection_end",
        "departed",
    )

    def __init__(self, truck_id: int, channel: str, goods: str, rank: int, arrived: float) -> None:
        self.id, self.channel, self.goods, self.rank = truck_id, channel, goods, rank
        self.arrived = arrived
        self.inspection_start: float | None = None
        self.inspection_end: float | None = None
        self.departed: float | None = None

    def record(self) -> TruckRecord:
        """Freeze into a result record."""
        return TruckRecord(
            self.id,
            self.channel,
            self.goods,
            self.arrived,
            self.inspection_start,
            self.inspection_end,
            self.departed,
        )


class GateModel:
    """One gate built from a scenario; call `run()` once."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator) -> None:
        self.scenario = s = scenario
        self.rng = rng
        self.kernel = k = Kernel()
        self.trucks: list[Truck] = []
        self.departed = 0
        self.suspended: set[str] = set()
        self.held: dict[str, list[Truck]] = {goods: [] for goods, _ in s.goods}
        self.samples: list[Sample] = []
        self._ranks = {(c, g): _rank(s.priority, c, g) for c in CHANNELS for g, _ in s.goods}
        self.yard = Slots(s.yard_capacity, self._admitted, self._queue())
        self.primary = Station(
            k,
            s.inspection.lanes,
            s.inspection.service.sampler(rng),
            started=self._inspection_started,
            done=self._inspected,
            queue=self._queue(),
        )
        self.secondary = None
        if s.secondary is not None and s.secondary_probability > 0:
            self.secondary = Station(
                k,
                s.secondary.lanes,
                s.secondary.service.sampler(rng),
                done=self._cleared,
                queue=self._queue(),
            )
        self.handover = None
        if s.delivery is not None:
            self.handover = Station(
                k,
                s.delivery.units,
                s.delivery.handover.sampler(rng),
                done=self._depart,
                turnaround=s.delivery.turnaround,
                queue=self._queue(),
            )
        self._uniform = stream(rng.random)
        names = [goods for goods, _ in s.goods]
        shares = [share for _, share in s.goods]
        self._goods = stream(lambda n: np.asarray(names)[rng.choice(len(names), n, p=shares)])

    def run(self) -> GateRun:
        """Simulate the scenario's horizon and summarise it."""
        kernel = self.kernel
        # Control processes start first so they act before arrivals at the same instant.
        kernel.process(self._suspensions())
        kernel.process(self._opening_hours())
        kernel.process(self._sampling())
        for channel, times in self._arrival_streams():
            kernel.process(self._arrivals(channel, times))
        kernel.run(until=self.scenario.horizon)
        return GateRun(self._summary(), tuple(t.record() for t in self.trucks), tuple(self.samples))

    def _queue(self) -> FifoQueue | PriorityQueue:
        return PriorityQueue(attrgetter("rank")) if self.scenario.priority else FifoQueue()

    # --- truck flow -------------------------------------------------------------------------

    def _arrive(self, channel: str) -> None:
        goods = self._goods()
        truck = Truck(
            len(self.trucks), channel, goods, self._ranks[channel, goods], self.kernel.now
        )
        self.trucks.append(truck)
        if goods in self.suspended:
            self.held[goods].append(truck)
        else:
            self.yard.request(truck)

    def _admitted(self, truck: Truck) -> None:
        self.primary.request(truck)

    def _inspection_started(self, truck: Truck) -> None:
        truck.inspection_start = self.kernel.now

    def _inspected(self, truck: Truck) -> None:
        truck.inspection_end = self.kernel.now
        if self.secondary is not None and self._uniform() < self.scenario.secondary_probability:
            self.secondary.request(truck)
        else:
            self._cleared(truck)

    def _cleared(self, truck: Truck) -> None:
        if self.handover is not None:
            self.handover.request(truck)
        else:
            self._depart(truck)

    def _depart(self, truck: Truck) -> None:
        truck.departed = self.kernel.now
        self.departed += 1
        self.yard.release()

    # --- processes --------------------------------------------------------------------------

    def _arrival_streams(self) -> Iterator[tuple[str, Iterable[float]]]:
        arrivals, horizon = self.scenario.arrivals, self.scenario.horizon
        if arrivals.backlog:
            yield "backlog", [0.0] * arrivals.backlog
        if arrivals.replay is not None:
            yield "replay", replay_times(arrivals.replay, horizon)
            return
        yield "live", live_times(arrivals.live_rates(), horizon, self.rng)
        if arrivals.booked_share > 0:
            yield (
                "booked",
                booked_times(arrivals.booked_slots(), arrivals.no_show, horizon, self.rng),
            )

    def _arrivals(self, channel: str, times: Iterable[float]) -> Iterator[float]:
        for time in times:
            yield time - self.kernel.now
            self._arrive(channel)

    def _suspensions(self) -> Iterator[float]:
        changes = sorted(
            [(s.start, True, s.goods) for s in self.scenario.suspensions]
            + [(s.end, False, s.goods) for s in self.scenario.suspensions]
        )
        for time, starts, goods in changes:
            if time > self.scenario.horizon:
                return
            yield time - self.kernel.now
            if starts:
                self.suspended.add(goods)
            else:
                self.suspended.discard(goods)
                for truck in self.held[goods]:
                    self.yard.request(truck)
                self.held[goods].clear()

    def _opening_hours(self) -> Iterator[float]:
        opens, closes = self.scenario.opens, self.scenario.closes
        if (opens, closes) == (0, 24):
            return
        stations = [s for s in (self.primary, self.secondary, self.handover) if s is not None]
        for station in stations:
            station.close()
        for day in count():
            for time, switch in ((day * 24 + opens, "open"), (day * 24 + closes, "close")):
                yield time - self.kernel.now
                for station in stations:
                    getattr(station, switch)()

    def _sampling(self) -> Iterator[float]:
        for hour in range(int(self.scenario.horizon) + 1):
            yield hour - self.kernel.now
            self.samples.append(
                Sample(
                    float(hour),
                    len(self.yard.queue),
                    self.yard.in_use,
                    self._held(),
                    self._in_system(),
                )
            )

    def _held(self) -> int:
        return sum(map(len, self.held.values()))

    def _in_system(self) -> int:
        """Trucks on the road, in the yard or held, counted where they are (not by difference),
        so that arrivals = departures + in system is a check on the model's bookkeeping."""
        return len(self.yard.queue) + self.yard.in_use + self._held()

    # --- results ----------------------------------------------------------------------------

    def _summary(self) -> Summary:
        s = self.scenario
        warmup = s.warmup_days * 24
        measured = [t for t in self.trucks if t.arrived >= warmup]
        # Trucks still waiting at the end count with the time waited so far: leaving them out
        # would make an overloaded gate look fast, since only the lucky got served.
        end = self.kernel.now
        waits = np.array(
            [
                (end if t.inspection_start is None else t.inspection_start) - t.arrived
                for t in measured
            ]
        )
        dwells = np.array([t.departed - t.arrived for t in measured if t.departed is not None])
        cleared = [t.goods for t in self.trucks if t.departed is not None]
        after_warmup = sum(
            1 for t in self.trucks if t.departed is not None and t.departed >= warmup
        )
        return Summary(
            scenario=s.name,
            arrivals=len(self.trucks),
            departed=self.departed,
            in_system=self._in_system(),
            held=self._held(),
            mean_wait=_mean(waits),
            p95_wait=float(np.percentile(waits, 95)) if len(waits) else float("nan"),
            mean_dwell=_mean(dwells),
            throughput_per_day=after_warmup / (s.days - s.warmup_days),
            yard_peak=self.yard.peak,
            road_queue_end=len(self.yard.queue),
            utilisation=_utilisation(self.primary.busy_time, s),
            cleared_by_goods=tuple((goods, cleared.count(goods)) for goods, _ in s.goods),
        )


def _rank(priority: tuple[str, ...], channel: str, goods: str) -> int:
    """Position of the truck's best tag in the priority list; untagged trucks come last."""
    return min(
        (i for i, tag in enumerate(priority) if tag in (channel, goods)), default=len(priority)
    )


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def _utilisation(busy_hours: float, scenario: Scenario) -> float:
    """Busy lane-hours over open lane-hours; NaN when the run ends before the lanes open."""
    whole_days, rest = divmod(scenario.horizon, 24)
    last = max(0.0, min(rest, scenario.closes) - scenario.opens)
    open_hours = whole_days * (scenario.closes - scenario.opens) + last
    return busy_hours / (scenario.inspection.lanes * open_hours) if open_hours else math.nan
