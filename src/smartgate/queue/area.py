"""A waiting area: everything that decides who is called to the border next, in one pure object.

`WaitingArea` holds a gate direction's ordered line (`GateQueue`), its policy (rules,
capacity of both sides, suspensions, green zone) and its recent calls. It says how many trucks
this hour may still be called (the smaller of the two sides' declared capacity), calls them in
the rules' order, holds a truck a suspension or green-zone mode stops, and finds the called
trucks that never came. The API's use-cases drive it on datetimes; the simulator drives the
same object on float hours mapped onto the scenario's calendar by a `Clock`, so the digital
twin keeps no rule of its own.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sortedcontainers import SortedList

from smartgate.policy.model import Cargo, GatePolicy, GateRules
from smartgate.queue.model import GateQueue, Moment, Waiting, eta, hour_start
from smartgate.shared.wording import Wording

HOUR = timedelta(hours=1)
CALL_MEMORY_HOURS = 2  # calls older than this count neither for the pace nor the hourly cap


@dataclass(frozen=True)
class Clock:
    """How moments map onto hours and the calendar. Without an origin moments are datetimes;
    with one they are float hours from `origin` (the simulator's clock)."""

    origin: datetime | None = None

    def hour_of(self, moment: Moment) -> Moment:
        """The start of the hour `moment` falls in."""
        if isinstance(moment, datetime):
            return hour_start(moment)
        return float(math.floor(moment))

    def later(self, moment: Moment, hours: float) -> Moment:
        """`hours` after `moment` (before it when negative)."""
        if isinstance(moment, datetime):
            return moment + timedelta(hours=hours)
        return moment + hours

    def calendar(self, moment: Moment) -> datetime:
        """The date and time `moment` stands for, which capacity and suspensions are set by."""
        if isinstance(moment, datetime):
            return moment
        if self.origin is None:
            raise ValueError("a clock of hours needs an origin to map them onto the calendar")
        return self.origin + timedelta(hours=moment)


WALL = Clock()


@dataclass
class WaitingArea:
    """One gate direction's waiting area under its policy."""

    queue: GateQueue
    policy: GatePolicy
    calls: SortedList = field(default_factory=SortedList)  # (called at, truck id), recent
    called: dict[str, Moment] = field(default_factory=dict)  # called, not yet through
    clock: Clock = WALL

    @property
    def rules(self) -> GateRules:
        return self.policy.rules

    # --- who may cross, and how many this hour ----------------------------------------

    def hold_reason(self, cargo: Cargo, delivery_mode: str, now: Moment) -> str | None:
        """Why a truck may not cross now (a suspension, green-zone mode), or None."""
        return self.policy.stop_reason(cargo, self.clock.calendar(now), delivery_mode)

    def hold_change(
        self, held: bool, cargo: Cargo, delivery_mode: str, now: Moment
    ) -> tuple[bool, str | None] | None:
        """What becomes of a waiting (`held` False) or held truck now: (True, reason) to hold
        it, (False, None) to release it back to its old place, None to leave it as it is."""
        reason = self.hold_reason(cargo, delivery_mode, now)
        if reason is not None and not held:
            return True, reason
        if reason is None and held:
            return False, None
        return None

    def capacity_now(self, now: Moment) -> int:
        """Trucks an hour both sides handle in the hour `now` falls in."""
        return self.policy.capacity_at(self.clock.calendar(self.clock.hour_of(now)))

    def room(self, now: Moment) -> int:
        """How many more trucks may be called in the hour `now` falls in."""
        return max(0, self.capacity_now(now) - self.calls_since(self.clock.hour_of(now)))

    def refusal(self, now: Moment) -> Wording | None:
        """Why nobody may be called now (closed, or this hour's capacity used), or None."""
        hour = self.clock.hour_of(now)
        capacity = self.capacity_now(now)
        if capacity == 0:
            return Wording("no capacity declared for {hour}; the gate is closed", hour=hour)
        if self.calls_since(hour) >= capacity:
            return Wording(
                "this hour's capacity of {capacity} trucks is used; call again from {next_hour}",
                capacity=capacity,
                next_hour=self.clock.later(hour, 1),
            )
        return None

    # --- the line ----------------------------------------------------------------------

    def join(self, truck: Waiting, now: Moment) -> None:
        """A truck gets in line (or back in its old place after a hold)."""
        self.queue.add(truck, now)
        self._touch(truck.id)

    def call(self, now: Moment, count: int) -> list[tuple[Waiting, str]]:
        """Call up to `count` trucks, never past this hour's room, each with its lane."""
        picked = []
        for _ in range(min(count, self.room(now))):
            found = self.queue.call_next_in_lane(now)
            if found is None:
                break
            self.record_call(found[0].id, now)
            picked.append(found)
        return picked

    def record_call(self, truck_id: str, at: Moment) -> None:
        """A truck was called at `at`: it counts for the hour and may fail to show."""
        self.remember_call(truck_id, at)
        self.called[truck_id] = at
        self._touch(truck_id)

    def leave(self, truck_id: str) -> None:
        """A truck is out of line and not on its way to the border (held, gone, through)."""
        if truck_id in self.queue:
            self.queue.remove(truck_id)
        self.called.pop(truck_id, None)
        self._touch(truck_id)

    def no_shows(self, now: Moment) -> list[str]:
        """Called trucks that have not reached the gate within the rules' no-show time."""
        deadline = self.clock.later(now, -self.rules.no_show_minutes / 60)
        return [truck_id for truck_id, at in self.called.items() if at < deadline]

    def remember_call(self, truck_id: str, at: Moment) -> None:
        """Count a call for the hourly cap and the pace (calls older than two hours drop)."""
        if (at, truck_id) not in self.calls:
            self.calls.add((at, truck_id))
        oldest = self.clock.later(at, -CALL_MEMORY_HOURS)
        while self.calls and self.calls[0][0] < oldest:
            self.calls.pop(0)

    def calls_since(self, moment: Moment) -> int:
        """Trucks called at or after `moment`."""
        return len(self.calls) - self.calls.bisect_left((moment,))

    # --- look-ups on the gate's own clock ---------------------------------------------

    def pace(self, now: datetime) -> float:
        """Trucks called in the last hour; before any call, what both sides declared."""
        recent = self.calls_since(now - HOUR)
        return float(recent) if recent else float(self.policy.capacity_at(hour_start(now)))

    def eta(self, ahead: int, now: datetime) -> datetime | None:
        """When a truck with `ahead` trucks before it should be called: at the current pace
        while this hour's capacity lasts, then at each hour's declared capacity (none while
        the gate is closed)."""
        this_hour = hour_start(now)
        capacity = self.policy.capacity_at(this_hour)
        pace = self.pace(now) if capacity else 0.0
        room = max(0, capacity - self.calls_since(this_hour))

        def rate(moment: datetime) -> float:
            hour = hour_start(moment)
            return pace if hour == this_hour else float(self.policy.capacity_at(hour))

        return eta(now, ahead, rate, room)

    def _touch(self, truck_id: str) -> None:
        """Hook: a truck's state changed (a stored board notes it for other processes)."""
