"""Pure policy rules: effective capacity, what a suspension covers, a gate's queue rules, and
the events other contexts follow when an authority changes them."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from smartgate.shared.actor import Actor
from smartgate.shared.clock import as_utc
from smartgate.shared.terms import CONTACTLESS_MODES
from smartgate.shared.wording import Wording

SIDES = ("VN", "CN")
# Why a truck is held, as stored (in English) with its booking or place in line; pages word
# the stored text again in their reader's language (`Wording.reread`).
SUSPENDED = "suspended: {reason}"
GREEN_ZONE = "green-zone mode: only contactless delivery ({modes}); drivers do not cross"
HOLD_TEXTS = (SUSPENDED, GREEN_ZONE)


@dataclass(frozen=True)
class CapacityFigure:
    """Trucks per hour one side declared for a lane (or the whole gate when lane is "")."""

    side: str
    lane: str
    hour_utc: int
    trucks_per_hour: int
    day: date | None = None  # None: every day; a date overrides the standing figure


def side_capacity(figures: Iterable[CapacityFigure], side: str, day: date, hour: int) -> int | None:
    """One side's trucks per hour at `day` `hour`: lanes summed, a dated figure beats a standing
    one; None when that side declared nothing for the hour."""
    chosen: dict[str, CapacityFigure] = {}
    for figure in figures:
        if figure.side != side or figure.hour_utc != hour or figure.day not in (None, day):
            continue
        current = chosen.get(figure.lane)
        if current is None or (current.day is None and figure.day is not None):
            chosen[figure.lane] = figure
    if not chosen:
        return None
    return sum(f.trucks_per_hour for f in chosen.values())


def effective_capacity(figures: Iterable[CapacityFigure], day: date, hour: int) -> int:
    """What both sides can handle: the smaller figure. A side that declared some hours of this
    day but not this one is closed now (0); a side that declared nothing for this day yet (no
    standing figure, no figure dated that day) does not limit: a figure for one date says
    nothing of the others."""
    figures = list(figures)
    sides = {f.side for f in figures if f.day in (None, day)}
    declared = [side_capacity(figures, s, day, hour) or 0 for s in SIDES if s in sides]
    return min(declared) if declared else 0


@dataclass(frozen=True)
class Scope:
    """What a suspension covers; empty goods criteria mean all goods."""

    gate_id: str | None = None
    direction: str | None = None
    hs_prefixes: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cargo:
    """The facts about a truck's load that suspensions look at."""

    gate_id: str
    direction: str
    hs_codes: tuple[str, ...]
    flags: frozenset[str]


def covers(scope: Scope, cargo: Cargo) -> bool:
    """True when the suspension's gate, direction and goods criteria all match the truck."""
    if scope.gate_id not in (None, cargo.gate_id):
        return False
    if scope.direction not in (None, cargo.direction):
        return False
    if not scope.hs_prefixes and not scope.flags:
        return True
    by_code = any(code.startswith(p) for code in cargo.hs_codes for p in scope.hs_prefixes)
    return by_code or bool(set(scope.flags) & cargo.flags)


@dataclass(frozen=True)
class Suspension:
    """A stop on some traffic, from when to when, and why."""

    scope: Scope
    starts_at: datetime
    ends_at: datetime | None
    reason: str


def stop_reason(
    suspensions: Iterable[Suspension],
    cargo: Cargo,
    at: datetime,
    delivery_mode: str,
    rules: "GateRules",
) -> str | None:
    """Why this truck may not cross at `at`, or None: a suspension, or green-zone mode."""
    for suspension in suspensions:
        if active(suspension.starts_at, suspension.ends_at, at) and covers(suspension.scope, cargo):
            return str(Wording(SUSPENDED, reason=suspension.reason))
    return green_zone_fault(rules, delivery_mode)


def active(starts_at: datetime, ends_at: datetime | None, at: datetime) -> bool:
    """True while `at` is inside [starts_at, ends_at)."""
    at = as_utc(at)
    return as_utc(starts_at) <= at and (ends_at is None or at < as_utc(ends_at))


@dataclass(frozen=True)
class GateRules:
    """A gate's queue and booking rules, all configurable by its authority."""

    priority_order: tuple[str, ...] = ("backlog", "production_input", "perishable")
    backlog_hours: float = 24.0
    live_every: int = 3
    green_zone: bool = False
    booking_share: float = 0.75
    window_days: int = 14
    no_show_minutes: int = 20
    no_show_limit: int = 2
    no_show_block_days: int = 7
    cancel_limit: int = 3  # cancellations per vehicle in 24 h before re-booking pauses
    rebook_cooldown_minutes: int = 60
    max_reschedules: int = 2
    bookings_per_minute: int = 10  # per account
    # A trip may book or join the line until this long after its expected arrival; once it
    # holds a booking or a place it stays valid (Youyiguan went from 24 h to 72 h when filings
    # expired in the queue).
    declaration_valid_hours: int = 72


def green_zone_fault(rules: GateRules, delivery_mode: str) -> str | None:
    """Why a truck may not cross in green-zone mode, or None."""
    if rules.green_zone and delivery_mode not in CONTACTLESS_MODES:
        modes = ", ".join(sorted(CONTACTLESS_MODES))
        return str(Wording(GREEN_ZONE, modes=modes))
    return None


@dataclass(frozen=True)
class GatePolicy:
    """Everything a gate's authorities decided that bears on one direction's traffic."""

    rules: GateRules
    capacity: tuple[CapacityFigure, ...]
    suspensions: tuple[Suspension, ...]  # those that may touch this gate and direction
    # Each hour's capacity once worked out: an ETA walks up to two weeks of hours.
    _hourly: dict[tuple[date, int], int] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def capacity_at(self, hour: datetime) -> int:
        """Trucks per hour both sides handle in the hour starting at `hour`."""
        key = (hour.date(), hour.hour)
        found = self._hourly.get(key)
        if found is None:
            found = self._hourly[key] = effective_capacity(self.capacity, *key)
        return found

    def stop_reason(self, cargo: Cargo, at: datetime, delivery_mode: str) -> str | None:
        """Why a truck may not cross at `at`: a suspension or green-zone mode; else None."""
        return stop_reason(self.suspensions, cargo, at, delivery_mode, self.rules)

    def suspensions_changed(self, since: datetime | None, now: datetime) -> bool:
        """True when a suspension began or ended on its own clock in (since, now]."""
        return any(
            moment is not None and (since is None or since < moment) and moment <= now
            for s in self.suspensions
            for moment in (s.starts_at, s.ends_at)
        )


def date_fault(day: date, today: date) -> Wording | None:
    """Why a date is too far from today to plan for, or None."""
    if abs((day - today).days) > 366:
        return Wording("must be within a year of today")
    return None


# --- what other contexts follow -----------------------------------------------------------


@dataclass(frozen=True)
class CapacityDeclared:
    """A side's trucks per hour changed; `before` is what both sides handled this hour.
    `announce` is this side's own declaration, for the other side (None for a figure the
    other side sent, or one typed here on its behalf)."""

    gate_id: str
    direction: str
    before: int
    by: Actor
    at: datetime
    announce: dict[str, Any] | None = None


@dataclass(frozen=True)
class StopsChanged:
    """A suspension was set or lifted (None: every gate, or both directions)."""

    gate_id: str | None
    direction: str | None
    by: Actor
    at: datetime


@dataclass(frozen=True)
class RulesChanged:
    """A gate's queue and booking rules changed."""

    gate_id: str
    by: Actor
    at: datetime
