"""Calibration from recorded gate events: arrival rates by hour, fitted service times, and
the model's predictions set beside what was observed.

`calibrate` takes any iterable of `GateEvent`, so a CSV file today and a database query
tomorrow feed it the same way.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import NamedTuple

import numpy as np
from scipy import stats

from smartgate.simulation.distributions import Deterministic, Distribution, Exponential, Lognormal
from smartgate.simulation.events import GateEvent
from smartgate.simulation.experiment import Estimate, ScenarioResult, confidence_interval
from smartgate.simulation.scenario import Arrivals, Scenario, Stage


class Fit(NamedTuple):
    """A candidate service-time distribution and its Kolmogorov–Smirnov distance to the data."""

    name: str
    distribution: Distribution
    ks: float


class Observed(NamedTuple):
    """Figures measured from the recorded events; times in hours."""

    arrivals_per_day: float
    throughput_per_day: float
    mean_wait: float
    p95_wait: float
    utilisation: float


class Calibration(NamedTuple):
    """What the events say about the gate."""

    start: date
    days: int
    hourly_rates: tuple[float, ...]
    lanes: int
    opens: float
    closes: float
    fits: tuple[Fit, ...]
    service_times: tuple[float, ...]
    observed: Observed

    @property
    def best(self) -> Fit:
        """The candidate with the smallest KS distance."""
        return self.fits[0]


class Comparison(NamedTuple):
    """One metric, observed and predicted."""

    metric: str
    observed: float
    predicted: Estimate


def calibrate(events: Iterable[GateEvent]) -> Calibration:
    """Fit arrival rates by hour of day and the inspection service time to recorded events."""
    trucks: dict[str, dict[str, datetime]] = defaultdict(dict)
    for event in events:
        trucks[event.truck_id][event.kind] = event.at
    arrived = [t["arrived"] for t in trucks.values() if "arrived" in t]
    served = [
        (t["service_start"], t["service_end"])
        for t in trucks.values()
        if "service_start" in t and "service_end" in t
    ]
    if len(arrived) < 2 or len(served) < 2:
        raise ValueError("need at least two arrivals and two complete services to calibrate")
    first = min(arrived).date()
    days = (max(arrived).date() - first).days + 1
    durations = np.array([(end - begin).total_seconds() / 3600 for begin, end in served])
    # As in the model, trucks still waiting when the record ends count with the wait so far.
    end = max(max(t.values()) for t in trucks.values())
    waits = np.array(
        [
            (t.get("service_start", end) - t["arrived"]).total_seconds() / 3600
            for t in trucks.values()
            if "arrived" in t
        ]
    )
    start_hours = {b.hour for b, _ in served}
    opens, closes = float(min(start_hours)), float(max(start_hours) + 1)
    lanes = _max_concurrent(served)
    hourly = np.bincount([a.hour for a in arrived], minlength=24) / days
    return Calibration(
        start=first,
        days=days,
        hourly_rates=tuple(hourly.tolist()),
        lanes=lanes,
        opens=opens,
        closes=closes,
        fits=tuple(fit_service(durations)),
        service_times=tuple(durations.tolist()),
        observed=Observed(
            arrivals_per_day=len(arrived) / days,
            throughput_per_day=len(served) / days,
            mean_wait=float(waits.mean()),
            p95_wait=float(np.percentile(waits, 95)),
            utilisation=float(durations.sum()) / (lanes * days * (closes - opens)),
        ),
    )


def fit_service(durations: Sequence[float]) -> list[Fit]:
    """Exponential, lognormal and deterministic maximum-likelihood fits, lowest KS first."""
    data = np.asarray(durations, dtype=float)
    mean = float(data.mean())
    fits = [
        Fit(
            "exponential",
            Exponential(mean),
            float(stats.kstest(data, "expon", args=(0, mean)).statistic),
        )
    ]
    if (data > 0).all() and data.std() > 0:
        logs = np.log(data)
        mu, sigma = float(logs.mean()), float(logs.std())
        lognormal = Lognormal(math.exp(mu + sigma**2 / 2), math.sqrt(math.expm1(sigma**2)))
        ks = stats.kstest(data, "lognorm", args=(sigma, 0, math.exp(mu))).statistic
        fits.append(Fit("lognormal", lognormal, float(ks)))
    # KS distance to a step at the mean: the share of data strictly below it, or above it.
    below, above = float((data < mean).mean()), float((data > mean).mean())
    fits.append(Fit("deterministic", Deterministic(mean), max(below, above)))
    return sorted(fits, key=lambda fit: fit.ks)


def calibrated_scenario(calibration: Calibration, name: str = "calibrated") -> Scenario:
    """A scenario of the observed gate: its hourly arrivals, lanes, hours and best service fit."""
    per_day = sum(calibration.hourly_rates)
    return Scenario(
        name=name,
        description="calibrated from recorded gate events",
        start=calibration.start,
        days=calibration.days,
        opens=calibration.opens,
        closes=calibration.closes,
        arrivals=Arrivals(
            per_day=per_day, profile=tuple(r / per_day for r in calibration.hourly_rates)
        ),
        inspection=Stage(calibration.lanes, calibration.best.distribution),
    )


def compare(calibration: Calibration, result: ScenarioResult) -> list[Comparison]:
    """Observed figures beside the calibrated model's predictions with confidence intervals."""
    observed, days = calibration.observed, calibration.days
    arrivals = confidence_interval(s.arrivals / days for s in result.summaries)
    return [
        Comparison("arrivals / day", observed.arrivals_per_day, arrivals),
        Comparison(
            "throughput / day", observed.throughput_per_day, result.estimates["throughput_per_day"]
        ),
        Comparison("mean wait (h)", observed.mean_wait, result.estimates["mean_wait"]),
        Comparison("p95 wait (h)", observed.p95_wait, result.estimates["p95_wait"]),
        Comparison("utilisation", observed.utilisation, result.estimates["utilisation"]),
    ]


def _max_concurrent(intervals: Sequence[tuple[datetime, datetime]]) -> int:
    """Most services in progress at once: the number of lanes the data shows in use."""
    # Ends sort before starts at the same instant: a lane freed and re-used is one lane.
    changes = sorted([(end, -1) for _, end in intervals] + [(b, 1) for b, _ in intervals])
    busy = peak = 0
    for _, step in changes:
        busy += step
        peak = max(peak, busy)
    return peak
