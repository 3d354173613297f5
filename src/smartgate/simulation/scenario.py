"""Scenarios: what a gate looks like and what arrives, loaded from TOML with clear errors."""

import dataclasses
import math
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from smartgate.shared.errors import DomainError
from smartgate.simulation import checks, distributions, events
from smartgate.simulation.delivery import DeliveryMode, delivery_mode
from smartgate.simulation.distributions import Distribution

MINUTES = 1 / 60

# Where a truck comes from; `priority` may name these as well as goods classes.
CHANNELS = ("live", "booked", "backlog", "replay")


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
class Suspension:
    """Goods of class `goods` are not cleared from hour `start` until hour `end`."""

    goods: str
    start: float = 0.0
    end: float = math.inf


@dataclass(frozen=True)
class Scenario:
    """Everything one simulation run needs; times in hours."""

    name: str
    arrivals: Arrivals
    inspection: Stage
    days: float = 7.0
    warmup_days: float = 0.0
    description: str = ""
    start: date = date(2025, 1, 6)
    opens: float = 0.0
    closes: float = 24.0
    goods: tuple[tuple[str, float], ...] = (("general", 1.0),)
    priority: tuple[str, ...] = ()
    yard_capacity: int = 10**9
    secondary: Stage | None = None
    secondary_probability: float = 0.0
    delivery: DeliveryMode | None = None
    suspensions: tuple[Suspension, ...] = ()

    @property
    def horizon(self) -> float:
        """Simulated hours."""
        return self.days * 24

    def variant(
        self, *, lanes: int | None = None, mode: str | None = None, per_day: float | None = None
    ) -> "Scenario":
        """A copy with other inspection lanes, delivery mode or demand, named after the change."""
        changed = dict(
            name=self.name,
            inspection=self.inspection,
            delivery=self.delivery,
            arrivals=self.arrivals,
        )
        labels = []
        if lanes is not None:
            changed["inspection"] = dataclasses.replace(self.inspection, lanes=lanes)
            labels.append(f"lanes={lanes}")
        if mode is not None:
            units = self.delivery.units if self.delivery else 1
            changed["delivery"] = delivery_mode(mode, units)
            labels.append(f"mode={mode}")
        if per_day is not None:
            changed["arrivals"] = dataclasses.replace(self.arrivals, per_day=per_day)
            labels.append(f"rate={per_day:g}")
        if labels:
            changed["name"] = f"{self.name} [{' '.join(labels)}]"
        return dataclasses.replace(self, **changed)


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
    suspended = tuple(
        _suspension(_Table(item, f"suspension[{i}]"), goods)
        for i, item in enumerate(top.get("suspension", checks.listing, []))
    )
    yard = top.table("yard") or _Table({}, "yard")
    yard_capacity = yard.get("capacity", checks.positive_int, 10**9)
    yard.done()
    secondary, probability = _secondary(top.table("secondary"))
    scenario = Scenario(
        name=top.get("name", checks.text),
        description=top.get("description", checks.text, ""),
        start=top.get("start", _date, date(2025, 1, 6)),
        days=days,
        warmup_days=warmup,
        opens=opens,
        closes=closes,
        arrivals=_arrivals(top.table("arrivals", required=True), base),
        goods=goods,
        priority=_priority(top, goods),
        yard_capacity=yard_capacity,
        inspection=_stage(top.table("inspection", required=True)),
        secondary=secondary,
        secondary_probability=probability,
        delivery=_delivery(top.table("delivery")),
        suspensions=suspended,
    )
    top.done()
    return scenario


def _arrivals(table: _Table, base: Path) -> Arrivals:
    backlog = table.get("backlog", checks.non_negative_int, 0)
    replay = table.get("replay", checks.text, None)
    if replay is not None:
        generated = sorted(table.data.keys() & {"per_day", "profile", "booked_share", "no_show"})
        if generated:
            raise _KeyError(table.key(generated[0]), "cannot be combined with arrivals.replay")
        arrivals = Arrivals(replay=tuple(_replay(base / replay)), backlog=backlog)
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


def _replay(path: Path) -> list[float]:
    try:
        return events.arrival_hours(events.read_csv(path))
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None


def _priority(top: _Table, goods: tuple[tuple[str, float], ...]) -> tuple[str, ...]:
    tags = (*CHANNELS, *(name for name, _ in goods))
    priority = top.get("priority", checks.texts, [])
    for tag in priority:
        if tag not in tags:
            raise _KeyError(
                "priority", f"{tag!r} is neither a channel nor a goods class ({', '.join(tags)})"
            )
    return tuple(priority)


def _goods(table: _Table | None) -> tuple[tuple[str, float], ...]:
    if table is None:
        return (("general", 1.0),)
    shares = {name: table.get(name, checks.non_negative) for name in table.data}
    total = sum(shares.values())
    if total <= 0:
        raise _KeyError("goods", "shares must add up to more than zero")
    return tuple((name, share / total) for name, share in shares.items())


def _suspension(table: _Table, goods: tuple[tuple[str, float], ...]) -> Suspension:
    names = [name for name, _ in goods]
    goods_class = table.get("goods", checks.text)
    if goods_class not in names:
        raise _KeyError(
            table.key("goods"),
            f"{goods_class!r} is not one of the goods classes ({', '.join(names)})",
        )
    start = table.get("from_day", checks.non_negative, 0.0) * 24
    end = table.get("until_day", checks.non_negative, math.inf) * 24
    if end <= start:
        raise _KeyError(table.key("until_day"), "must be later than from_day")
    table.done()
    return Suspension(goods_class, start, end)


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


def _date(value: Any) -> date:
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
