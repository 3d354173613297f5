"""Scenarios: what a gate looks like, what arrives and the gate's policy, loaded from TOML.

A scenario speaks the gate's own policy: its rules (`[rules]`: priority order, backlog hours,
live-per-booked ratio, booking share, green zone), each side's capacity per hour (`[capacity]`,
changing by date with `[[capacity.change]]`), suspensions by flag or HS prefix, and trucks
already waiting or booked (`[[truck]]`). The simulator hands them to the same waiting-area
model the API runs. Scenario hours are the gate's local clock: hour 0 is midnight of `start`
(or `start` itself when it is a date and a whole hour, as a scenario taken from the live gate).
"""

import dataclasses
import math
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from smartgate.policy import model as policy
from smartgate.policy.model import SIDES, CapacityFigure, GateRules
from smartgate.queue.model import CallRules
from smartgate.shared.errors import DomainError
from smartgate.shared.terms import DELIVERY_MODES, FLAGS, PRIORITY_CLASSES
from smartgate.simulation import checks, distributions, events
from smartgate.simulation.delivery import DeliveryMode, delivery_mode
from smartgate.simulation.distributions import Distribution

MINUTES = 1 / 60
# Without a [capacity] table the gate calls trucks as fast as its yard takes them.
UNLIMITED = 10**6

# Where a truck comes from: generated live or booked demand, the backlog at the start, a replay
# of recorded arrivals, or a truck the scenario lists.
CHANNELS = ("live", "booked", "backlog", "replay", "listed")
RULE_KEYS = ("priority_order", "backlog_hours", "live_every", "booking_share", "green_zone")


class ScenarioError(DomainError, ValueError):
    """A scenario file that cannot be used; the message names the file, the key and the reason."""


@dataclass(frozen=True)
class Arrivals:
    """Demand: `per_day` trucks shaped by a 24-hour `profile`, or recorded `replay` times."""

    per_day: float = 0.0
    profile: tuple[float, ...] = (1 / 24,) * 24
    booked_share: float = 0.0
    no_show: float = 0.0
    backlog: int = 0
    replay: tuple[float, ...] | None = None

    def live_rates(self) -> tuple[float, ...]:
        """Live (unbooked) trucks per hour for each hour of the day."""
        return tuple(self.per_day * (1 - self.booked_share) * w for w in self.profile)

    def booked_slots(self) -> tuple[float, ...]:
        """Booked slots per hour for each hour of the day."""
        return tuple(self.per_day * self.booked_share * w for w in self.profile)


@dataclass(frozen=True)
class Stage:
    """Parallel lanes sharing one waiting line and one service-time distribution."""

    lanes: int
    service: Distribution


@dataclass(frozen=True)
class Goods:
    """A class of goods: its share of the trucks and what the policy sees of it."""

    name: str
    share: float
    flags: frozenset[str] = frozenset()
    hs_codes: tuple[str, ...] = ()
    delivery_mode: str | None = None  # as its trucks declared it; None: the gate's [delivery]


@dataclass(frozen=True)
class ListedTruck:
    """A truck the scenario names: waiting since `arrives` (negative: before the start) or
    arriving then, holding a booking for the hour starting at `slot` if given."""

    arrives: float
    goods: str
    slot: float | None = None


def _standing(side: str, per_hour: tuple[int, ...]) -> tuple[CapacityFigure, ...]:
    return tuple(CapacityFigure(side, "", hour, n) for hour, n in enumerate(per_hour))


DEFAULT_CAPACITY = _standing("VN", (UNLIMITED,) * 24) + _standing("CN", (UNLIMITED,) * 24)


@dataclass(frozen=True)
class Scenario:
    """Everything one simulation run needs; times in hours."""

    name: str
    arrivals: Arrivals
    inspection: Stage
    days: float = 7.0
    warmup_days: float = 0.0
    description: str = ""
    start: date | datetime = date(2025, 1, 6)  # hour 0: that midnight, or that whole hour
    opens: float = 0.0
    closes: float = 24.0
    goods: tuple[Goods, ...] = (Goods("general", 1.0),)
    yard_capacity: int = 10**9
    secondary: Stage | None = None
    secondary_probability: float = 0.0
    delivery: DeliveryMode | None = None
    rules: GateRules = GateRules()
    capacity: tuple[CapacityFigure, ...] = DEFAULT_CAPACITY
    suspensions: tuple[policy.Suspension, ...] = ()
    trucks: tuple[ListedTruck, ...] = ()

    @property
    def horizon(self) -> float:
        """Simulated hours."""
        return self.days * 24

    @property
    def origin(self) -> datetime:
        """Hour 0 on the calendar the policy is set by (the local clock, kept as UTC)."""
        return origin_of(self.start)

    def hours(self, moment: datetime) -> float:
        """A moment of the policy's calendar as scenario hours."""
        return (moment - self.origin) / timedelta(hours=1)

    def variant(
        self,
        *,
        lanes: int | None = None,
        mode: str | None = None,
        per_day: float | None = None,
        units: int | None = None,
        capacity: int | None = None,
    ) -> "Scenario":
        """A copy with other inspection lanes, delivery mode, demand, delivery units (crews,
        shuttles) or trucks an hour both sides handle, named after the change."""
        changed: dict[str, Any] = {}
        labels = []
        if lanes is not None:
            changed["inspection"] = dataclasses.replace(self.inspection, lanes=lanes)
            labels.append(f"lanes={lanes}")
        if mode is not None:
            count = self.delivery.units if self.delivery else 1
            changed["delivery"] = delivery_mode(mode, count)
            labels.append(f"mode={mode}")
        if per_day is not None:
            changed["arrivals"] = dataclasses.replace(self.arrivals, per_day=per_day)
            labels.append(f"rate={per_day:g}")
        if units is not None:
            delivery = changed.get("delivery", self.delivery) or delivery_mode("direct_crossing", 1)
            changed["delivery"] = dataclasses.replace(delivery, units=units)
            labels.append(f"units={units}")
        if capacity is not None:
            changed["capacity"] = self.with_capacity(capacity)
            labels.append(f"capacity={capacity}")
        if labels:
            changed["name"] = f"{self.name} [{' '.join(labels)}]"
        return dataclasses.replace(self, **changed)

    def with_capacity(self, per_hour: int) -> tuple[CapacityFigure, ...]:
        """Each side's figures at `per_hour` wherever that side was open (every hour when
        capacity was unlimited), so the gate keeps its hours at a new pace."""
        return tuple(
            dataclasses.replace(f, trucks_per_hour=per_hour if f.trucks_per_hour else 0)
            for f in self.capacity
        )


def origin_of(start: date | datetime) -> datetime:
    """Hour 0 of a scenario starting at `start` (a date's midnight, or a whole hour)."""
    if isinstance(start, datetime):
        return start.replace(tzinfo=UTC)
    return datetime.combine(start, time(), tzinfo=UTC)


def shipped() -> list[str]:
    """Names of the scenarios shipped with the package."""
    folder = resources.files("smartgate.simulation") / "scenarios"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load(source: str | Path) -> Scenario:
    """Load a scenario from a TOML file path or by the name of a shipped scenario."""
    path = Path(source)
    if not path.exists() and str(source) in shipped():
        text = (resources.files("smartgate.simulation") / "scenarios" / f"{source}.toml").read_text(
            encoding="utf-8"
        )
        return parse(text, origin=str(source))
    if not path.is_file():
        names = ", ".join(shipped())
        raise ScenarioError(
            f"{source}: no such file and no shipped scenario of that name ({names})"
        )
    return parse(path.read_text(encoding="utf-8"), origin=str(path), base=path.parent)


def parse(text: str, origin: str = "<scenario>", base: Path = Path()) -> Scenario:
    """Parse and validate scenario TOML; `base` resolves relative file paths in it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{origin}: not valid TOML: {error}") from None
    try:
        return _scenario(_Table(data, ""), base)
    except _KeyError as error:
        raise ScenarioError(f"{origin}: {error.key}: {error.reason}") from None


class _KeyError(Exception):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key, self.reason = key, reason


_REQUIRED = object()


class _Table:
    """Reads keys from one TOML table, remembering which were used to reject unknown ones."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise _KeyError(path, "must be a table")
        self.data, self.path, self.used = data, path, set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, check, default: Any = _REQUIRED) -> Any:
        self.used.add(name)
        if name not in self.data:
            if default is _REQUIRED:
                raise _KeyError(self.key(name), "required")
            return default
        try:
            return check(self.data[name])
        except ValueError as error:
            raise _KeyError(self.key(name), str(error)) from None

    def table(self, name: str, required: bool = False) -> "_Table | None":
        self.used.add(name)
        if name not in self.data:
            if required:
                raise _KeyError(self.key(name), "required table")
            return None
        return _Table(self.data[name], self.key(name))

    def done(self) -> None:
        for name in self.data:
            if name not in self.used:
                raise _KeyError(self.key(name), "unknown key")


def _scenario(top: _Table, base: Path) -> Scenario:
    days = top.get("days", checks.positive, 7.0)
    warmup = top.get("warmup_days", checks.non_negative, 0.0)
    if warmup >= days:
        raise _KeyError("warmup_days", f"must be less than days ({days:g}), got {warmup:g}")
    gate = top.table("gate") or _Table({}, "gate")
    opens = gate.get("opens", _clock, 0.0)
    closes = gate.get("closes", _clock, 24.0)
    if closes <= opens:
        raise _KeyError("gate.closes", "must be later than gate.opens")
    gate.done()
    goods = _goods(top.table("goods"))
    start = top.get("start", _date, date(2025, 1, 6))
    origin = origin_of(start)
    suspended = tuple(
        _suspension(_Table(item, f"suspension[{i}]"), origin)
        for i, item in enumerate(top.get("suspension", checks.listing, []))
    )
    if "priority" in top.data:
        raise _KeyError("priority", "is now [rules] priority_order, with the gate's classes")
    yard = top.table("yard") or _Table({}, "yard")
    yard_capacity = yard.get("capacity", checks.positive_int, 10**9)
    yard.done()
    secondary, probability = _secondary(top.table("secondary"))
    scenario = Scenario(
        name=top.get("name", checks.text),
        description=top.get("description", checks.text, ""),
        start=start,
        days=days,
        warmup_days=warmup,
        opens=opens,
        closes=closes,
        arrivals=_arrivals(top.table("arrivals", required=True), base, origin),
        goods=goods,
        yard_capacity=yard_capacity,
        inspection=_stage(top.table("inspection", required=True)),
        secondary=secondary,
        secondary_probability=probability,
        delivery=_delivery(top.table("delivery")),
        rules=_rules(top.table("rules")),
        capacity=_capacity(top.table("capacity"), origin.date(), days),
        suspensions=suspended,
        trucks=tuple(
            _listed(_Table(item, f"truck[{i}]"), goods, days)
            for i, item in enumerate(top.get("truck", checks.listing, []))
        ),
    )
    top.done()
    return scenario


def _rules(table: _Table | None) -> GateRules:
    if table is None:
        return GateRules()
    defaults = GateRules()
    rules = GateRules(
        priority_order=tuple(table.get("priority_order", _classes, defaults.priority_order)),
        backlog_hours=table.get("backlog_hours", checks.positive, defaults.backlog_hours),
        live_every=table.get("live_every", checks.positive_int, defaults.live_every),
        booking_share=table.get("booking_share", checks.probability, defaults.booking_share),
        green_zone=table.get("green_zone", _flag, defaults.green_zone),
    )
    table.done()
    return rules


def _classes(value: Any) -> list[str]:
    classes = checks.texts(value)
    try:
        CallRules(tuple(classes))
    except ValueError as error:
        raise ValueError(f"{error} (the gate knows {', '.join(PRIORITY_CLASSES)})") from None
    return classes


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {value!r}")
    return value


def _capacity(table: _Table | None, start: date, days: float) -> tuple[CapacityFigure, ...]:
    if table is None:
        return DEFAULT_CAPACITY
    figures = [
        figure for side in SIDES for figure in _standing(side, table.get(side.lower(), _per_hour))
    ]
    for i, item in enumerate(table.get("change", checks.listing, [])):
        change = _Table(item, f"{table.key('change')}[{i}]")
        first = change.get("from_day", checks.non_negative_int)
        last = change.get("until_day", checks.positive_int, math.ceil(days))
        if last <= first:
            raise _KeyError(change.key("until_day"), "must be later than from_day")
        for side in SIDES:
            per_hour = change.get(side.lower(), _per_hour, None)
            for offset in range(first, last) if per_hour else ():
                day = start + timedelta(days=offset)
                figures += [dataclasses.replace(f, day=day) for f in _standing(side, per_hour)]
        change.done()
    table.done()
    return tuple(figures)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number of hours, got {value!r}")
    return value


def _per_hour(value: Any) -> tuple[int, ...]:
    """Trucks an hour: one figure for every hour, or 24 figures by hour of day."""
    if not isinstance(value, list):
        return (checks.non_negative_int(value),) * 24
    figures = tuple(checks.non_negative_int(item) for item in value)
    if len(figures) != 24:
        raise ValueError(f"must be one number or 24 hourly numbers, got {len(figures)}")
    return figures


def _listed(table: _Table, goods: tuple[Goods, ...], days: float) -> ListedTruck:
    names = [g.name for g in goods]
    truck = ListedTruck(
        arrives=table.get("arrives", checks.number),
        goods=table.get("goods", checks.text, names[0]),
        slot=table.get("slot", _whole, None),
    )
    if truck.goods not in names:
        known = ", ".join(names)
        raise _KeyError(
            table.key("goods"), f"{truck.goods!r} is not one of the goods classes ({known})"
        )
    if truck.arrives >= days * 24:
        end = f"must be before the end of the run ({days * 24:g} h)"
        raise _KeyError(table.key("arrives"), end)
    table.done()
    return dataclasses.replace(truck, slot=None if truck.slot is None else float(truck.slot))


def _arrivals(table: _Table, base: Path, origin: datetime) -> Arrivals:
    backlog = table.get("backlog", checks.non_negative_int, 0)
    replay = table.get("replay", checks.text, None)
    if replay is not None:
        generated = sorted(table.data.keys() & {"per_day", "profile", "booked_share", "no_show"})
        if generated:
            raise _KeyError(table.key(generated[0]), "cannot be combined with arrivals.replay")
        arrivals = Arrivals(replay=tuple(_replay(base / replay, origin)), backlog=backlog)
    else:
        arrivals = Arrivals(
            per_day=table.get("per_day", checks.non_negative),
            profile=table.get("profile", _profile, Arrivals.profile),
            booked_share=table.get("booked_share", checks.probability, 0.0),
            no_show=table.get("no_show", checks.probability, 0.0),
            backlog=backlog,
        )
    table.done()
    return arrivals


def _replay(path: Path, origin: datetime) -> list[float]:
    """Recorded arrivals in hours from the scenario's start (its wall clock)."""
    try:
        recorded = events.check_one_kind_of_clock(events.read_csv(path), str(path))
    except OSError as error:
        raise _KeyError("arrivals.replay", f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:  # a bad timestamp or column, named with its line
        raise _KeyError("arrivals.replay", str(error)) from None
    hours = events.arrival_hours(recorded, origin)
    if not hours:
        raise _KeyError("arrivals.replay", f"{path} holds no arrivals")
    return hours


def _goods(table: _Table | None) -> tuple[Goods, ...]:
    if table is None:
        return (Goods("general", 1.0),)
    classes = [_goods_class(table, name) for name in table.data]
    total = sum(g.share for g in classes)
    if total <= 0:
        raise _KeyError("goods", "shares must add up to more than zero")
    return tuple(dataclasses.replace(g, share=g.share / total) for g in classes)


def _goods_class(table: _Table, name: str) -> Goods:
    """`name = 0.2` (a class named after a flag carries it) or a table with share, flags, hs."""
    if not isinstance(table.data[name], dict):
        flags = frozenset({name} & set(FLAGS))
        return Goods(name, table.get(name, checks.non_negative), flags)
    spec = _Table(table.data[name], table.key(name))
    table.used.add(name)
    found = Goods(
        name,
        spec.get("share", checks.non_negative),
        frozenset(spec.get("flags", _flags, [])),
        tuple(spec.get("hs", _hs_prefixes, [])),
        spec.get("mode", _declared_mode, None),
    )
    spec.done()
    return found


def _declared_mode(value: Any) -> str:
    if value not in DELIVERY_MODES:
        raise ValueError(f"must be one of {', '.join(DELIVERY_MODES)}, got {value!r}")
    return value


def _flags(value: Any) -> list[str]:
    flags = checks.texts(value)
    unknown = [f for f in flags if f not in FLAGS]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a flag ({', '.join(FLAGS)})")
    return flags


def _hs_prefixes(value: Any) -> list[str]:
    prefixes = checks.texts(value)
    for prefix in prefixes:
        if not (prefix.isascii() and prefix.isdigit() and 2 <= len(prefix) <= 6):
            raise ValueError(f"{prefix!r} is not an HS code or prefix of 2 to 6 digits")
    return prefixes


def _suspension(table: _Table, origin: datetime) -> policy.Suspension:
    flags = tuple(table.get("flags", _flags, []))
    prefixes = tuple(table.get("hs_prefixes", _hs_prefixes, []))
    all_goods = table.get("all_goods", _flag, False)
    if all_goods == bool(flags or prefixes):
        raise _KeyError(
            table.key("flags"), "name flags or hs_prefixes, or all_goods = true (what is suspended)"
        )
    start = table.get("from_day", checks.non_negative, 0.0)
    end = table.get("until_day", checks.non_negative, None)
    if end is not None and end <= start:
        raise _KeyError(table.key("until_day"), "must be later than from_day")
    reason = table.get("reason", checks.text, "suspended in the scenario")
    table.done()
    return policy.Suspension(
        scope=policy.Scope(hs_prefixes=prefixes, flags=flags),
        starts_at=origin + timedelta(days=start),
        ends_at=None if end is None else origin + timedelta(days=end),
        reason=reason,
    )


def _stage(table: _Table) -> Stage:
    stage = Stage(table.get("lanes", checks.positive_int), table.get("service", _service))
    table.done()
    return stage


def _secondary(table: _Table | None) -> tuple[Stage | None, float]:
    if table is None:
        return None, 0.0
    probability = table.get("probability", checks.probability)
    return _stage(table), probability


def _delivery(table: _Table | None) -> DeliveryMode | None:
    if table is None:
        return None
    mode = table.get("mode", checks.text)
    units = table.get("units", checks.positive_int, 1)
    handover = table.get("handover", _service, None)
    turnaround = table.get("turnaround_min", checks.non_negative, None)
    table.done()
    try:
        return delivery_mode(
            mode, units, handover, None if turnaround is None else turnaround * MINUTES
        )
    except ValueError as error:
        raise _KeyError("delivery.mode", str(error)) from None


def _service(value: Any) -> Distribution:
    if not isinstance(value, dict):
        raise ValueError('must be a table like { dist = "exponential", mean_min = 2 }')
    return distributions.parse(value, scale=MINUTES)


def _date(value: Any) -> date | datetime:
    if isinstance(value, datetime):
        if value.tzinfo is not None or value.minute or value.second or value.microsecond:
            raise ValueError(
                f"must be a local date and whole hour like 2026-12-04T15:00, got {value}"
            )
        return value
    if not isinstance(value, date):
        raise ValueError(f"must be a TOML date like 2022-04-26, got {value!r}")
    return value


def _clock(value: Any) -> float:
    hours, _, minutes = str(value).partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f'must be a time of day like "07:30", got {value!r}')
    result = int(hours) + int(minutes) / 60
    if int(minutes) >= 60 or result > 24:
        raise ValueError(f'must be between "00:00" and "24:00", got {value!r}')
    return result


def _profile(value: Any) -> tuple[float, ...]:
    weights = [checks.non_negative(item) for item in checks.listing(value)]
    if len(weights) != 24:
        raise ValueError(f"must list 24 hourly weights, got {len(weights)}")
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must add up to more than zero")
    return tuple(w / total for w in weights)
