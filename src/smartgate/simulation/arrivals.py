"""Arrival times in hours from midnight of day 0: live (non-homogeneous Poisson), booked, replay."""

import math
from collections.abc import Iterator, Sequence

import numpy as np

from smartgate.simulation.distributions import stream


def live_times(rates: Sequence[float], horizon: float, rng: np.random.Generator) -> Iterator[float]:
    """Poisson arrivals at `rates[hour of day]` per hour until `horizon`, by thinning."""
    peak = max(rates)
    if peak <= 0:
        return
    gap = stream(lambda n: rng.exponential(1 / peak, n))
    uniform = stream(rng.random)
    t = gap()
    while t < horizon:
        # Thinning: candidates at the peak rate, each kept with probability rate(t) / peak.
        if uniform() * peak < rates[int(t) % 24]:
            yield t
        t += gap()


def booked_times(
    slots: Sequence[float], no_show: float, horizon: float, rng: np.random.Generator
) -> Iterator[float]:
    """Trucks holding `slots[hour of day]` bookings each hour; each fails to come w.p. `no_show`.

    A fractional quota is booked up with the matching probability, so the mean is exact.
    """
    for hour in range(math.ceil(horizon)):
        quota = slots[hour % 24]
        booked = int(quota) + (rng.random() < quota - int(quota))
        shows = rng.binomial(booked, 1 - no_show) if booked else 0
        for t in np.sort(hour + rng.random(shows)).tolist():
            if t < horizon:
                yield t


def replay_times(times: Sequence[float], horizon: float) -> Iterator[float]:
    """Recorded arrival times (hours) in order, up to `horizon`."""
    return (t for t in sorted(times) if 0 <= t < horizon)
