"""Service-time distributions that hand out fast samplers bound to an explicit Generator."""

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import Any, Protocol

import numpy as np

from smartgate.simulation import checks

Sampler = Callable[[], float]

# Drawing in blocks amortises numpy's per-call overhead; a list iterator is then ~40 ns a draw.
_BLOCK = 4096


def stream(draw: Callable[[int], np.ndarray]) -> Sampler:
    """Turn `draw(n) -> n values` into a zero-argument sampler that refills in blocks."""

    def values() -> Iterator[float]:
        while True:
            yield from draw(_BLOCK).tolist()

    return values().__next__


class Distribution(Protocol):
    """A non-negative random duration with a known mean."""

    @property
    def mean(self) -> float: ...

    def sampler(self, rng: np.random.Generator) -> Sampler: ...


@dataclass(frozen=True)
class Exponential:
    """Exponential durations (memoryless, coefficient of variation 1)."""

    mean: float

    def sampler(self, rng: np.random.Generator) -> Sampler:
        """Sampler drawing from `rng`."""
        return stream(partial(rng.exponential, self.mean))


@dataclass(frozen=True)
class Deterministic:
    """The same duration every time."""

    value: float

    @property
    def mean(self) -> float:
        """The constant value."""
        return self.value

    def sampler(self, rng: np.random.Generator) -> Sampler:
        """Sampler returning the constant (`rng` is unused but kept for a uniform interface)."""
        return repeat(self.value).__next__


@dataclass(frozen=True)
class Lognormal:
    """Lognormal durations given by their mean and coefficient of variation."""

    mean: float
    cv: float

    @property
    def sigma(self) -> float:
        """Standard deviation of the underlying normal."""
        return math.sqrt(math.log1p(self.cv**2))

    @property
    def mu(self) -> float:
        """Mean of the underlying normal."""
        return math.log(self.mean) - self.sigma**2 / 2

    def sampler(self, rng: np.random.Generator) -> Sampler:
        """Sampler drawing from `rng`."""
        return stream(partial(rng.lognormal, self.mu, self.sigma))


@dataclass(frozen=True)
class Empirical:
    """Resamples recorded durations with equal weight (the empirical distribution)."""

    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        """Mean of the recorded values."""
        return math.fsum(self.values) / len(self.values)

    def sampler(self, rng: np.random.Generator) -> Sampler:
        """Sampler drawing from `rng`."""
        return stream(partial(rng.choice, np.asarray(self.values)))


# Keys each kind of distribution takes in a scenario file (durations in minutes there).
_KEYS = {
    "exponential": {"mean_min"},
    "deterministic": {"mean_min"},
    "lognormal": {"mean_min", "cv"},
    "empirical": {"values_min"},
}


def parse(spec: Mapping[str, Any], scale: float = 1.0) -> Distribution:
    """Build a distribution from `{dist = ..., mean_min = ..., cv = ..., values_min = [...]}`.

    Durations in the spec are multiplied by `scale` (1/60 turns scenario minutes into hours).
    Raises ValueError naming the offending key.
    """
    spec = dict(spec)
    kind = spec.pop("dist", None)
    if kind not in _KEYS:
        raise ValueError(f"dist: must be one of {', '.join(_KEYS)}, got {kind!r}")
    unknown = sorted(spec.keys() - _KEYS[kind])
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown key for dist {kind!r}")
    missing = sorted(_KEYS[kind] - spec.keys())
    if missing:
        raise ValueError(f"{missing[0]}: required for dist {kind!r}")
    if kind == "empirical":
        return Empirical(tuple(v * scale for v in _field(spec, "values_min", _durations)))
    mean = _field(spec, "mean_min", checks.positive) * scale
    if kind == "exponential":
        return Exponential(mean)
    if kind == "deterministic":
        return Deterministic(mean)
    return Lognormal(mean, _field(spec, "cv", checks.positive))


def _field(spec: Mapping[str, Any], key: str, check: Callable[[Any], Any]) -> Any:
    try:
        return check(spec[key])
    except ValueError as error:
        raise ValueError(f"{key}: {error}") from None


def _durations(value: Any) -> list[float]:
    values = [checks.non_negative(v) for v in checks.listing(value)]
    if not values:
        raise ValueError("must list at least one duration")
    return values
