"""The gate model: arrivals -> waiting area -> called to the yard -> inspection -> secondary
-> handover.

The waiting area is the gate's own: `queue.area.WaitingArea` with the scenario's policy
decides who is called next (priority classes, backlog promotion, booked by slot, one live
truck after every few booked ones), how many a hour (the smaller of both sides' capacity) and
who is held (suspensions by flag or HS prefix, green-zone mode), exactly as the API does; this
module only moves trucks. A called truck takes a yard place (nobody is called while the yard
is full), queues for the inspection lanes in the order it was called, and holds its yard place
until handed over. Inspection, secondary inspection and handover only start work inside
opening hours.
"""

import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import count
from typing import NamedTuple

import numpy as np

from smartgate.policy.model import Cargo, GatePolicy
from smartgate.queue.area import Clock, WaitingArea
from smartgate.queue.model import GateQueue, Waiting, booking_quota, call_rules
from smartgate.simulation.arrivals import booked_times, live_times, replay_times
from smartgate.simulation.delivery import REGISTRY_NAMES
from smartgate.simulation.distributions import stream
from smartgate.simulation.kernel import Kernel
from smartgate.simulation.records import Sample, Summary, TruckRecord
from smartgate.simulation.resources import Slots, Station
from smartgate.simulation.scenario import Goods, Scenario


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
        "arrived",
        "waiting",
        "lane",
        "called",
        "call_number",
        "inspection_start",
        "inspection_end",
        "departed",
    )

    def __init__(
        self, truck_id: int, channel: str, goods: Goods, arrived: float, slot: float | None
    ) -> None:
        self.id, self.channel, self.goods, self.arrived = truck_id, channel, goods, arrived
        self.waiting = Waiting(str(truck_id), truck_id, arrived, slot, goods.flags)
        self.lane: str | None = None
        self.called: float | None = None
        self.call_number: int | None = None
        self.inspection_start: float | None = None
        self.inspection_end: float | None = None
        self.departed: float | None = None

    @property
    def seen(self) -> float:
        """When the run first sees the truck: its arrival, or the start if it was waiting."""
        return max(self.arrived, 0.0)

    def record(self) -> TruckRecord:
        """Freeze into a result record."""
        return TruckRecord(
            self.id,
            self.channel,
            self.goods.name,
            self.arrived,
            self.inspection_start,
            self.inspection_end,
            self.departed,
            self.called,
            self.lane,
            self.call_number,
        )


class GateModel:
    """One gate built from a scenario; call `run()` once."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator) -> None:
        self.scenario = s = scenario
        self.rng = rng
        self.kernel = k = Kernel()
        self.trucks: list[Truck] = []
        self.departed = 0
        self.calls_made = 0
        policy = GatePolicy(s.rules, s.capacity, s.suspensions)
        self.area = WaitingArea(
            GateQueue(call_rules(s.rules)), policy, clock=Clock(origin=s.origin)
        )
        self.in_line: dict[str, Truck] = {}  # waiting in the area, by the area's id
        self.held: dict[str, Truck] = {}  # stopped by a suspension or green-zone mode
        self.synced_at: datetime | None = None  # when holds last matched the suspensions
        self.mode = REGISTRY_NAMES[s.delivery.name] if s.delivery else "direct"
        self._cargo = {g.name: Cargo("", "", g.hs_codes, g.flags) for g in s.goods}
        # Green zone looks at the mode each truck declared; by default, the gate's own.
        self._modes = {g.name: g.delivery_mode or self.mode for g in s.goods}
        self.samples: list[Sample] = []
        self.yard = Slots(s.yard_capacity, self._admitted)
        self.primary = Station(
            k,
            s.inspection.lanes,
            s.inspection.service.sampler(rng),
            started=self._inspection_started,
            done=self._inspected,
            busy_in=self._open_hours_between,
        )
        self.secondary = None
        if s.secondary is not None and s.secondary_probability > 0:
            self.secondary = Station(
                k, s.secondary.lanes, s.secondary.service.sampler(rng), done=self._cleared
            )
        self.handover = None
        if s.delivery is not None:
            self.handover = Station(
                k,
                s.delivery.units,
                s.delivery.handover.sampler(rng),
                done=self._depart,
                turnaround=s.delivery.turnaround,
            )
        self._uniform = stream(rng.random)
        shares = [g.share for g in s.goods]
        self._goods_drawn = stream(lambda n: rng.choice(len(shares), n, p=shares))
        self._by_name = {g.name: g for g in s.goods}

    def run(self) -> GateRun:
        """Simulate the scenario's horizon and summarise it."""
        kernel = self.kernel
        for channel, arrived, slot, goods in self._waiting_at_start():
            self._arrive(channel, arrived, slot, goods, call=False)
        # Controls act before the arrivals and services of the same instant, as the gate's
        # operator calls at the top of the hour before the trucks then arriving check in; the
        # first hour's calls take the trucks already waiting, in their order.
        kernel.process(self._suspensions(), urgent=True)
        kernel.process(self._opening_hours(), urgent=True)
        kernel.process(self._hours(), urgent=True)
        for channel, trucks in self._arrival_streams():
            kernel.process(self._arrivals(channel, trucks))
        kernel.run(until=self.scenario.horizon)
        return GateRun(self._summary(), tuple(t.record() for t in self.trucks), tuple(self.samples))

    # --- truck flow -------------------------------------------------------------------------

    def _arrive(
        self, channel: str, arrived: float, slot: float | None, goods: Goods, call: bool = True
    ) -> None:
        cargo, mode = self._cargo[goods.name], self._modes[goods.name]
        if slot is not None and self.area.hold_reason(cargo, mode, slot) is not None:
            # The gate takes no booking for an hour its goods are stopped in, and holds one
            # made before the stop: such a truck comes without its hour, as a walk-up.
            slot = None
        truck = Truck(len(self.trucks), channel, goods, arrived, slot)
        self.trucks.append(truck)
        now = self.kernel.now
        self._catch_up()
        if self.area.hold_reason(cargo, mode, now) is None:
            self.area.join(truck.waiting, now)
            self.in_line[truck.waiting.id] = truck
        else:
            self.held[truck.waiting.id] = truck
        if call:
            self._call()

    def _call(self) -> None:
        """Call as many trucks as the hour's capacity and the yard's free places allow."""
        self._catch_up()
        free = self.yard.capacity - self.yard.in_use
        if not free or not self.in_line:
            return
        now = self.kernel.now
        for waiting, lane in self.area.call(now, free):
            truck = self.in_line.pop(waiting.id)
            truck.called, truck.lane = now, lane
            self.calls_made += 1
            truck.call_number = self.calls_made
            self.area.leave(waiting.id)  # it drives straight in: nobody misses a call here
            self.yard.request(truck)

    def _catch_up(self) -> None:
        # As the gate's use-cases do before each arrival and call: holds follow the
        # suspensions that began or ended since they last matched.
        now = self.area.clock.calendar(self.kernel.now)
        if self.area.policy.suspensions_changed(self.synced_at, now):
            self.synced_at = now
            self._recheck_holds()

    def _recheck_holds(self) -> None:
        """Hold the trucks a suspension now stops, put back those nothing stops any more."""
        now = self.kernel.now
        for held, trucks in ((False, self.in_line), (True, self.held)):
            for truck_id, truck in list(trucks.items()):
                name = truck.goods.name
                change = self.area.hold_change(held, self._cargo[name], self._modes[name], now)
                if change is None:
                    continue
                if change[0]:
                    self.area.leave(truck_id)
                    self.held[truck_id] = self.in_line.pop(truck_id)
                else:
                    self.area.join(truck.waiting, now)
                    self.in_line[truck_id] = self.held.pop(truck_id)

    def _open_hours_between(self, start: float, end: float) -> float:
        """Hours of [start, end) inside opening hours: work that overruns the closing time
        is not counted as use of the open hours."""
        return open_hours_between(self.scenario, start, end)

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
        self._call()

    # --- processes --------------------------------------------------------------------------

    def _arrival_streams(self) -> Iterator[tuple[str, Iterable[tuple[float, float | None]]]]:
        s = self.scenario
        arrivals, horizon = s.arrivals, s.horizon
        listed = sorted((t for t in s.trucks if t.arrives >= 0), key=lambda t: t.arrives)
        if listed:
            yield "listed", [(t.arrives, t.slot, self._by_name[t.goods]) for t in listed]
        if arrivals.replay is not None:
            yield "replay", [(t, None, None) for t in replay_times(arrivals.replay, horizon)]
            return
        first = s.origin.hour  # the arrival profile is by hour of the day
        live = live_times(arrivals.live_rates(), horizon, self.rng, first)
        yield "live", ((t, None, None) for t in live)
        if arrivals.booked_share > 0:
            slots, quota = arrivals.booked_slots(), self._booking_quota
            booked = booked_times(slots, arrivals.no_show, horizon, self.rng, quota, first)
            yield "booked", ((t, slot, None) for t, slot in booked)

    def _waiting_at_start(self) -> Iterator[tuple[str, float, float | None, Goods]]:
        s = self.scenario
        for truck in sorted((t for t in s.trucks if t.arrives < 0), key=lambda t: t.arrives):
            yield "listed", truck.arrives, truck.slot, self._by_name[truck.goods]
        # Trucks left from before the start have waited long enough to count as backlog.
        for _ in range(s.arrivals.backlog):
            yield "backlog", -s.rules.backlog_hours, None, self._draw_goods()

    def _draw_goods(self) -> Goods:
        return self.scenario.goods[self._goods_drawn()]

    def _booking_quota(self, hour: int) -> int:
        capacity = self.area.capacity_now(float(hour))
        return booking_quota(capacity, self.scenario.rules.booking_share)

    def _arrivals(self, channel: str, trucks: Iterable[tuple]) -> Iterator[float]:
        for arrived, slot, goods in trucks:
            yield max(arrived, self.kernel.now) - self.kernel.now
            # A booked truck that cannot get its booking walks up with the live queue.
            kind = channel if channel != "booked" or slot is not None else "live"
            # Stamped with the clock's own time: now + (arrived - now) can land an ulp away
            # from arrived, and a call at that instant must not precede the arrival.
            self._arrive(kind, self.kernel.now, slot, goods or self._draw_goods())

    def _suspensions(self) -> Iterator[float]:
        s = self.scenario
        moments = sorted(
            {s.hours(m) for x in s.suspensions for m in (x.starts_at, x.ends_at) if m is not None}
        )
        for time in moments:
            if time >= s.horizon:
                return
            yield max(0.0, time - self.kernel.now)
            self._call()  # which first matches the holds to the suspensions now

    def _opening_hours(self) -> Iterator[float]:
        opens, closes = self.scenario.opens, self.scenario.closes
        if (opens, closes) == (0, 24):
            return
        stations = [s for s in (self.primary, self.secondary, self.handover) if s is not None]
        first = self.scenario.origin.hour  # a run taken from the live gate starts mid-day
        if not opens <= first < closes:
            for station in stations:
                station.close()
        for day in count():
            for time, switch in ((day * 24 + opens, "open"), (day * 24 + closes, "close")):
                if time - first < 0:
                    continue  # before the run began
                yield time - first - self.kernel.now
                for station in stations:
                    getattr(station, switch)()

    def _hours(self) -> Iterator[float]:
        # Each hour brings new capacity; then the gate's state is sampled.
        horizon = self.scenario.horizon
        for hour in range(int(horizon) + 1):
            yield hour - self.kernel.now
            if hour < horizon:  # the last sample closes the run; nobody is called then
                self._call()
            self.samples.append(
                Sample(
                    float(hour),
                    len(self.in_line),
                    self.yard.in_use,
                    len(self.held),
                    self._in_system(),
                )
            )

    def _in_system(self) -> int:
        """Trucks waiting, in the yard or held, counted where they are (not by difference),
        so that arrivals = departures + in system is a check on the model's bookkeeping."""
        return len(self.in_line) + self.yard.in_use + len(self.held)

    # --- results ----------------------------------------------------------------------------

    def _summary(self) -> Summary:
        s = self.scenario
        warmup = s.warmup_days * 24
        measured = [t for t in self.trucks if t.seen >= warmup]
        # Trucks still waiting at the end count with the time waited so far: leaving them out
        # would make an overloaded gate look fast, since only the lucky got served.
        end = self.kernel.now
        waits = np.array(
            [(end if t.inspection_start is None else t.inspection_start) - t.seen for t in measured]
        )
        dwells = np.array([t.departed - t.seen for t in measured if t.departed is not None])
        cleared = [t.goods.name for t in self.trucks if t.departed is not None]
        after_warmup = sum(
            1 for t in self.trucks if t.departed is not None and t.departed >= warmup
        )
        return Summary(
            scenario=s.name,
            arrivals=len(self.trucks),
            departed=self.departed,
            in_system=self._in_system(),
            held=len(self.held),
            mean_wait=_mean(waits),
            p95_wait=float(np.percentile(waits, 95)) if len(waits) else float("nan"),
            mean_dwell=_mean(dwells),
            throughput_per_day=after_warmup / (s.days - s.warmup_days),
            yard_peak=self.yard.peak,
            road_queue_end=len(self.in_line),
            utilisation=_utilisation(self.primary.busy_time, s),
            cleared_by_goods=tuple((g.name, cleared.count(g.name)) for g in s.goods),
        )


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def _utilisation(busy_hours: float, scenario: Scenario) -> float:
    """Busy lane-hours over open lane-hours; NaN when the run ends before the lanes open."""
    open_hours = open_hours_between(scenario, 0.0, scenario.horizon)
    return busy_hours / (scenario.inspection.lanes * open_hours) if open_hours else math.nan


def open_hours_between(scenario: Scenario, start: float, end: float) -> float:
    """Hours of [start, end) of the run inside the gate's opening hours of the day."""
    first = scenario.origin.hour
    start, end = start + first, end + first  # on the clock of the day
    total, day = 0.0, math.floor(start / 24)
    while day * 24 < end:
        opens, closes = day * 24 + scenario.opens, day * 24 + scenario.closes
        total += max(0.0, min(end, closes) - max(start, opens))
        day += 1
    return total
