"""Pure queue rules: who is called next, everyone's position, and booking-slot arithmetic.

The waiting trucks of one gate and direction form a `GateQueue`. Priority classes come first in
their configured order (oldest arrival first inside a class); then trucks whose booked slot has
come, by slot; then the live queue by arrival, one live truck after every `live_every` booked
ones so that walk-up trucks are never starved. Every operation is O(log n) in the number of
waiting trucks, so a board of 100,000 trucks answers as fast as one of 1,000.

The order is clock-neutral: moments are the API's datetimes or the simulator's float hours
(see `ticks`), so the gate and its digital twin call trucks by the same code.
"""

import math
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, Protocol

from sortedcontainers import SortedList

from smartgate.shared.errors import Conflict
from smartgate.shared.terms import PRIORITY_CLASSES
from smartgate.shared.wording import Wording

BOOKED, LIVE = "booked", "live"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
HOUR_TICKS = 3_600_000_000  # a tick is a microsecond
SEQ_BITS = 40  # arrival numbers up to a trillion fit beside the time in one sort key
SEQ_MASK = (1 << SEQ_BITS) - 1

# A moment on either clock: an aware datetime (the gate) or hours from a start (the simulator).
Moment = datetime | float


def ticks(at: Moment) -> int:
    """A moment as whole microseconds: since 1970 for a datetime, since hour 0 for hours."""
    if isinstance(at, datetime):
        return (at - EPOCH) // MICROSECOND
    return round(at * HOUR_TICKS)


def sort_key(at: Moment, seq: int) -> int:
    """(time, arrival number) as one int. Ints compare in one step where tuples of datetimes
    compare field by field, and 100,000 of them stay compact in memory (the look-up cost at
    that size is mostly cache misses)."""
    return ticks(at) << SEQ_BITS | seq


def keys_after(tick: int) -> int:
    """The smallest sort key later than every key at `tick`."""
    return (tick + 1) << SEQ_BITS


@dataclass(frozen=True)
class Waiting:
    """A truck in the waiting area: what ordering needs to know about it."""

    id: str
    seq: int  # arrival order at the waiting area, unique in its queue; breaks every tie
    arrived_at: Moment
    slot_start: Moment | None = None  # set when the truck holds a booking
    flags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not 0 <= self.seq <= SEQ_MASK:
            raise ValueError(f"seq must be between 0 and {SEQ_MASK}; got {self.seq}")


@dataclass(frozen=True)
class CallRules:
    """How one gate orders its calls."""

    priority_order: tuple[str, ...] = ("backlog", "production_input", "perishable")
    backlog_hours: float = 24.0
    live_every: int = 3  # one live truck after this many booked ones

    def __post_init__(self) -> None:
        unknown = set(self.priority_order) - set(PRIORITY_CLASSES)
        if unknown:
            raise ValueError(f"unknown priority classes: {', '.join(sorted(unknown))}")
        if self.live_every < 1:
            raise ValueError("live_every must be at least 1")

    def rank(self, lane: str) -> int:
        """Lower is called earlier; booked and live come after every priority class."""
        if lane in self.priority_order:
            return self.priority_order.index(lane)
        return len(self.priority_order) + (0 if lane == BOOKED else 1)

    @cached_property  # read at every look-up
    def backlog_ticks(self) -> int:
        return round(self.backlog_hours * HOUR_TICKS)


class HasCallRules(Protocol):
    """A gate's rules as far as the call order goes (policy's GateRules is one)."""

    priority_order: tuple[str, ...]
    backlog_hours: float
    live_every: int


def call_rules(rules: HasCallRules) -> CallRules:
    """The call order a gate's rules set."""
    return CallRules(tuple(rules.priority_order), rules.backlog_hours, rules.live_every)


def static_lane(truck: Waiting, rules: CallRules) -> str:
    """The lane a truck's goods and booking give it, before any waiting time counts."""
    for cls in rules.priority_order:
        if cls in truck.flags:
            return cls
    return BOOKED if truck.slot_start is not None else LIVE


def lane_at(truck: Waiting, rules: CallRules, now: Moment) -> str:
    """The lane a truck is in at `now`: backlog wins when it outranks the static lane."""
    lane = static_lane(truck, rules)
    waited_long = ticks(truck.arrived_at) <= ticks(now) - rules.backlog_ticks
    outranks = "backlog" in rules.priority_order and rules.rank("backlog") < rules.rank(lane)
    if waited_long and outranks:
        return "backlog"
    return lane


@dataclass
class GateQueue:
    """The ordered waiting trucks of one gate and direction."""

    rules: CallRules = field(default_factory=CallRules)
    booked_since_live: int = 0
    _trucks: dict[str, tuple[Waiting, str, int]] = field(default_factory=dict)  # lane, key
    _ids: dict[int, str] = field(default_factory=dict)  # seq -> truck id
    _lanes: dict[str, SortedList] = field(default_factory=dict)  # sort keys, in call order
    _by_arrival: SortedList = field(default_factory=SortedList)
    _promoted_until: int | None = None  # ticks

    def __post_init__(self) -> None:
        lanes = (*self.rules.priority_order, BOOKED, LIVE)
        self._lanes = {lane: SortedList() for lane in lanes}

    def __len__(self) -> int:
        return len(self._trucks)

    def __contains__(self, truck_id: object) -> bool:
        return truck_id in self._trucks

    def add(self, truck: Waiting, now: Moment) -> None:
        """A truck joins the waiting area (or comes back after a hold, keeping its place)."""
        if truck.id in self._trucks:
            raise ValueError(f"{truck.id} is already waiting")
        if truck.seq in self._ids:
            raise ValueError(f"seq {truck.seq} of {truck.id} is taken by {self._ids[truck.seq]}")
        lane = lane_at(truck, self.rules, now)
        self._insert(truck, lane)
        self._ids[truck.seq] = truck.id
        self._by_arrival.add(sort_key(truck.arrived_at, truck.seq))

    def remove(self, truck_id: str) -> Waiting:
        """A truck leaves without being called (held, cancelled, gone)."""
        truck, lane, key = self._trucks.pop(truck_id)
        self._lanes[lane].remove(key)
        del self._ids[truck.seq]
        self._by_arrival.remove(sort_key(truck.arrived_at, truck.seq))
        return truck

    def call_next(self, now: Moment) -> Waiting | None:
        """Take the truck that should cross next, or None when nobody may be called."""
        called = self.call_next_in_lane(now)
        return None if called is None else called[0]

    def call_next_in_lane(self, now: Moment) -> tuple[Waiting, str] | None:
        """Take the truck that should cross next with the lane it was called from, or None."""
        self._promote(now)
        lane = self._lane_to_call(now)
        if lane is None:
            return None
        truck_id = self._ids[self._lanes[lane][0] & SEQ_MASK]
        if lane == BOOKED:
            self.booked_since_live += 1
        elif lane == LIVE:
            self.booked_since_live = 0
        return self.remove(truck_id), lane

    def position(self, truck_id: str, now: Moment) -> int:
        """How many trucks will be called before this one if nobody else arrives."""
        self._promote(now)
        _, lane, key = self._trucks[truck_id]
        index = self._lanes[lane].index(key)
        ahead_in_priority = sum(
            len(self._lanes[cls]) for cls in self.rules.priority_order[: self.rules.rank(lane)]
        )
        if lane in self.rules.priority_order:
            return ahead_in_priority + index
        due, live = self._due_count(now), len(self._lanes[LIVE])
        every = self.rules.live_every
        first_live_after = max(0, every - self.booked_since_live)  # booked calls before it
        if lane == LIVE:
            return ahead_in_priority + index + min(due, first_live_after + index * every)
        if index < due:
            lives = 0 if index < first_live_after else (index - first_live_after) // every + 1
            return ahead_in_priority + index + min(live, lives)
        # Booked early: everyone who may be called now goes first.
        return ahead_in_priority + index + live

    def lane_of(self, truck_id: str, now: Moment) -> str:
        """The lane a waiting truck is in now."""
        self._promote(now)
        return self._trucks[truck_id][1]

    def counts(self, now: Moment) -> dict[str, int]:
        """Trucks per lane, with booked split into due and early."""
        self._promote(now)
        found = {lane: len(trucks) for lane, trucks in self._lanes.items()}
        found["booked_due"] = self._due_count(now)
        return found

    def in_call_order(self, now: Moment, limit: int) -> Iterator[Waiting]:
        """The first `limit` trucks in the order they would be called (for boards)."""
        # `limit` calls take at most `limit` trucks from the head of any lane, so a copy of
        # the lanes' heads calls exactly as the whole queue would, at any size.
        self._promote(now)
        shadow = GateQueue(self.rules, self.booked_since_live)
        for keys in self._lanes.values():
            for key in keys.islice(0, limit):
                shadow.add(self._trucks[self._ids[key & SEQ_MASK]][0], now)
        for _ in range(min(limit, len(shadow))):
            called = shadow.call_next(now)
            if called is None:
                return
            yield called

    def _lane_to_call(self, now: Moment) -> str | None:
        for cls in self.rules.priority_order:
            if self._lanes[cls]:
                return cls
        booked_due = self._due_count(now) > 0
        live = bool(self._lanes[LIVE])
        if booked_due and (not live or self.booked_since_live < self.rules.live_every):
            return BOOKED
        if live:
            return LIVE
        # Nobody due and nobody walking up: an early booked truck uses the idle lane.
        return BOOKED if self._lanes[BOOKED] else None

    def _due_count(self, now: Moment) -> int:
        return self._lanes[BOOKED].bisect_left(keys_after(ticks(now)))

    def _insert(self, truck: Waiting, lane: str) -> None:
        # Booked trucks go by their slot, everyone else by arrival.
        at = truck.slot_start if lane == BOOKED else truck.arrived_at
        key = sort_key(at, truck.seq)  # type: ignore[arg-type]
        self._trucks[truck.id] = (truck, lane, key)
        self._lanes[lane].add(key)

    def _promote(self, now: Moment) -> None:
        # Trucks cross into backlog as their wait passes the threshold; each crosses once.
        if "backlog" not in self.rules.priority_order:
            return
        cutoff = ticks(now) - self.rules.backlog_ticks
        if self._promoted_until is not None and cutoff <= self._promoted_until:
            return  # the clock has not moved on: nobody new has waited long enough
        low = None if self._promoted_until is None else keys_after(self._promoted_until)
        newly = list(self._by_arrival.irange(low, keys_after(cutoff), inclusive=(True, False)))
        for arrival in newly:
            truck, lane, key = self._trucks[self._ids[arrival & SEQ_MASK]]
            if self.rules.rank("backlog") < self.rules.rank(lane):
                self._lanes[lane].remove(key)
                self._insert(truck, "backlog")
        self._promoted_until = cutoff


def build_queue(trucks: Iterable[Waiting], rules: CallRules, now: Moment) -> GateQueue:
    """A queue holding `trucks`, as loaded from storage."""
    queue = GateQueue(rules)
    for truck in trucks:
        queue.add(truck, now)
    return queue


# --- booking slots ------------------------------------------------------------------------

SLOT = timedelta(hours=1)


def slot_fault(slot_start: datetime, now: datetime, window_days: int) -> Wording | None:
    """Why a slot cannot be booked, or None: whole hours, not past, within the window."""
    if slot_start.minute or slot_start.second or slot_start.microsecond:
        return Wording("must start on the hour (e.g. 08:00)")
    if slot_start + SLOT <= now:
        return Wording("is in the past")
    if slot_start > now + timedelta(days=window_days):
        return Wording("is more than {days} days ahead", days=window_days)
    return None


def declaration_fault(
    expected_arrival: datetime, now: datetime, valid_hours: int
) -> Wording | None:
    """Why a trip with neither a booking nor a place in line may no longer book or join the
    line: its declaration ran out `valid_hours` after the expected arrival. None if valid."""
    expired_at = expected_arrival + timedelta(hours=valid_hours)
    if now < expired_at:
        return None
    return Wording(
        "declaration ran out at {expired_at}, {hours} hours after the expected arrival; "
        "declare the trip again",
        expired_at=expired_at,
        hours=valid_hours,
    )


# Pass codes use one case only (Crockford's base-32: no I, L, O or U to misread), so a code
# typed in any case finds its booking, and codes that differ only in case never exist.
PASS_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PASS_LENGTH = 16  # 80 bits
_PASS_UPPER = str.maketrans(
    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)  # ASCII only: str.upper() turns 'ß' into 'SS'


def new_pass_code(choice: Callable[[str], str]) -> str:
    """A fresh pass code, each character drawn by `choice` (secrets.choice at the gate)."""
    return "".join(choice(PASS_ALPHABET) for _ in range(PASS_LENGTH))


def pass_key(code: str) -> str:
    """A pass code as stored: upper case (codes issued before were mixed case; they were
    upper-cased in place, and every spelling of one finds it)."""
    return code.strip().translate(_PASS_UPPER)


def booking_quota(capacity: int, booking_share: float) -> int:
    """Places in one hourly slot that bookings may take; the rest serves the live queue."""
    return int(capacity * booking_share)


# --- anti-hoarding: what an account and a vehicle did before -----------------------------

RATE_WINDOW = timedelta(minutes=1)  # booking requests per account are counted over this
CANCEL_WINDOW = timedelta(hours=24)  # cancellations per vehicle are counted over this


@dataclass(frozen=True)
class VehicleRecord:
    """What earlier bookings and calls say about the booking account and the vehicle."""

    # When the account made the booking request `bookings_per_minute` before this one
    # (requests count whatever came of them); None if it made fewer or long ago.
    rate_blocker: datetime | None
    cancellations: int  # of the vehicle within CANCEL_WINDOW
    last_cancelled: datetime | None
    no_shows: int  # of the vehicle within the no-show block period
    last_no_show: datetime | None
    live_booking: uuid.UUID | None  # the vehicle's active or held booking
    trip_booking: uuid.UUID | None  # the declaration's own active or held booking


def rate_fault(record: VehicleRecord, per_minute: int, now: datetime) -> Wording | None:
    """Why the account must wait before booking again, or None: this request would be its
    (per_minute + 1)-th within a minute."""
    # Bots that grab slots to resell them book in bursts; people do not. Refused and failed
    # requests count too (a bot probing for free places is the thing to slow down), so one
    # that keeps asking past the limit waits until it stops for a minute.
    if record.rate_blocker is not None and now - RATE_WINDOW < record.rate_blocker <= now:
        return Wording(
            "at most {per_minute} bookings a minute per account; try again in a minute",
            per_minute=per_minute,
        )
    return None


def rate_retry_seconds(record: VehicleRecord, now: datetime) -> int:
    """Whole seconds until the request that blocks this one is a minute old."""
    if record.rate_blocker is None:
        return 1
    return max(1, math.ceil((record.rate_blocker + RATE_WINDOW - now).total_seconds()))


def no_show_fault(record: VehicleRecord, limit: int, block: timedelta) -> Wording | None:
    """Why a vehicle that kept missing its call may not book yet, or None."""
    if record.no_shows < limit or record.last_no_show is None:
        return None
    return Wording(
        "vehicle missed {no_shows} calls to the border; it may book again from {free_at}",
        no_shows=record.no_shows,
        free_at=record.last_no_show + block,
    )


def cancellation_fault(
    record: VehicleRecord, limit: int, cooldown: timedelta, now: datetime
) -> Wording | None:
    """Why a vehicle that keeps cancelling must pause before booking again, or None."""
    # eCherha saw 25,000 cancellations a month, mostly re-booked at once by the same users.
    if record.cancellations < limit or record.last_cancelled is None:
        return None
    free_at = record.last_cancelled + cooldown
    if now >= free_at:
        return None
    return Wording(
        "vehicle cancelled {cancellations} bookings in 24 hours; it may book again from {free_at}",
        cancellations=record.cancellations,
        free_at=free_at,
    )


ETA_WALK = timedelta(days=14)  # hour by hour this far; beyond, the fortnight repeats


def eta(
    now: datetime,
    ahead: int,
    trucks_per_hour: Callable[[datetime], float],
    room_this_hour: float = math.inf,
) -> datetime | None:
    """When a truck with `ahead` trucks before it should be called: the trucks ahead leave at
    each hour's rate, no more than `room_this_hour` before the next hour, so a truck that waits
    through a closed night gets a morning time. Past two weeks the fortnight's hours are taken
    to repeat; None when nothing moves in them at all."""
    wanted = left = float(ahead + 1)
    moment, until, cap = now, now + ETA_WALK, room_this_hour
    while moment < until:
        end = hour_start(moment) + SLOT
        rate = trucks_per_hour(moment)
        if rate > 0:
            room = min(rate * ((end - moment) / SLOT), cap)
            if room >= left:
                return moment + SLOT * (left / rate)
            left -= room
        moment, cap = end, math.inf
    served = wanted - left  # in the hours walked, from `now` to `moment`
    return moment + (moment - now) * (left / served) if served > 0 else None


# --- a truck's life in the waiting area -------------------------------------------------

ENTRY_TRANSITIONS: dict[str, frozenset[str]] = {
    "waiting": frozenset({"held", "called", "left"}),
    "held": frozenset({"waiting", "left"}),
    "called": frozenset({"crossed", "no_show", "left"}),  # left: turned away at the line
    "crossed": frozenset(),
    "no_show": frozenset(),
    "left": frozenset(),
}
# Only a call sets called_at, and a called truck can then only cross or fail to show.
CALLED_OR_AFTER = ("called", *sorted(ENTRY_TRANSITIONS["called"]))

# --- a booking's life ------------------------------------------------------------------

BOOKING_TRANSITIONS: dict[str, frozenset[str]] = {
    "active": frozenset({"held", "used", "cancelled", "displaced"}),
    # Held: a suspension stops its hour. Its truck, if already in line, may still be called
    # (the place in line follows the suspensions on its own), which uses the booking.
    "held": frozenset({"active", "used", "cancelled", "displaced"}),
    "used": frozenset(),  # its truck was called to the border
    "cancelled": frozenset(),
    "displaced": frozenset(),  # capacity fell and no later hour was free
}


def live(transitions: dict[str, frozenset[str]]) -> tuple[str, ...]:
    """The states something can still leave: a live booking, a truck still in the area."""
    return tuple(state for state, onward in transitions.items() if onward)


def coming_from(transitions: dict[str, frozenset[str]], target: str) -> tuple[str, ...]:
    """The states a move to `target` may start from (for statements that make that move)."""
    return tuple(state for state, onward in transitions.items() if target in onward)


def move_booking(row: Any, target: str, reason: str | None = None) -> None:
    """Move a booking (anything with `status` and `hold_reason`) as the table allows, or
    refuse naming the moves allowed from where it is."""
    allowed = BOOKING_TRANSITIONS.get(row.status, frozenset())
    if target not in allowed:
        raise Conflict(
            Wording(
                "booking is {status}; it cannot become {target} (allowed: {allowed})",
                status=row.status,
                target=target,
                allowed=", ".join(sorted(allowed)) or "none",
            )
        )
    row.status, row.hold_reason = target, reason


# What each notice says: its kind, and its English text with {placeholders}. The web shows it
# in the reader's language and on the local clock; the stored message is the English one.
NOTICE_TEXTS: dict[str, tuple[str, str]] = {
    "called": ("called", "{plate}: go to the border now"),
    "called_to_lane": ("called", "{plate}: go to the border to lane {lane} now"),
    "entry_held": ("held", "{plate} held in the waiting area: {reason}"),
    "entry_released": ("released", "{plate} is back in line"),
    "no_show": ("no_show", "{plate} did not reach the gate when called"),
    "slower": (
        "slower",
        "{plate}: capacity now {after} trucks an hour (was {before}); your place in line is "
        "unchanged, expect a later call",
    ),
    "moved": ("moved", "{plate}: capacity at {slot} was reduced; your booking moved to {new_slot}"),
    "displaced": (
        "displaced",
        "{plate}: capacity at {slot} was reduced and no later hour is free; book again",
    ),
    "booking_held": ("held", "{plate}: booking held: {reason}"),
    "booking_released": ("released", "{plate}: booking active again"),
    "trip_held": ("held", "{plate} held at the gate: {reason}"),
    "trip_rejected": ("rejected", "{plate} refused at the gate and sent back: {reason}"),
    "trip_cleared": ("cleared", "{plate} cleared by every agency: go on to the zero line"),
    "trip_exited": ("crossed", "{plate} crossed the border"),
}
# The trip's steps after the call that its driver hears of, and what they hear.
TRIP_NOTICES = {
    "held": "trip_held",
    "rejected": "trip_rejected",
    "cleared": "trip_cleared",
    "exited": "trip_exited",
}
TIME_PARAMETERS = frozenset({"slot", "new_slot"})  # stored as ISO text, shown on a clock


def notice_wording(text_id: str, params: dict[str, Any]) -> Wording:
    """A stored notice's words and values (times were stored as ISO text)."""
    values = {
        name: datetime.fromisoformat(value) if name in TIME_PARAMETERS else value
        for name, value in params.items()
    }
    return Wording(NOTICE_TEXTS[text_id][1], **values)


def called_text(lane: str | None) -> tuple[str, dict[str, Any]]:
    """The notice that calls a truck to the border (to a lane, when one is named)."""
    return ("called_to_lane", {"lane": lane}) if lane else ("called", {})


@dataclass(frozen=True)
class Addressee:
    """Whom a notice about a trip reaches, when no booking or place in line carries it."""

    declaration_id: uuid.UUID
    owner_id: int
    plate: str


def notice(row: Any, text_id: str, now: datetime, **params: Any) -> dict[str, Any]:
    """A message to whoever declared the truck of a queue entry or booking (anything with
    its declaration_id, owner_id and plate), as the column values of a notice."""
    stored = {"plate": row.plate} | {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in params.items()
    }
    return {
        "declaration_id": row.declaration_id,
        "owner_id": row.owner_id,
        "plate": row.plate,
        "kind": NOTICE_TEXTS[text_id][0],
        "text_id": text_id,
        "params": stored,
        "message": str(notice_wording(text_id, stored)),
        "created_at": now,
    }


def ensure_entry_may(status: str, target: str) -> None:
    """Refuse a move the waiting area's state machine does not allow."""
    if target not in ENTRY_TRANSITIONS.get(status, frozenset()):
        raise Conflict(
            Wording("a truck that is {status} cannot become {target}", status=status, target=target)
        )


def move_entry(row: Any, target: str, **fields: Any) -> None:
    """Move a place in line (anything with `status`) as the table allows, setting `fields`
    with it (a hold reason, when it left)."""
    ensure_entry_may(row.status, target)
    row.status = target
    for name, value in fields.items():
        setattr(row, name, value)


def hour_start(moment: datetime) -> datetime:
    """The start of the hourly slot `moment` falls in."""
    return moment.replace(minute=0, second=0, microsecond=0)
