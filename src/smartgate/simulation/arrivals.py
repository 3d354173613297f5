"""Arrival times in hours from midnight of day 0: live (non-homogeneous Poisson), booked, replay."""

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from smartgate.simulation.distributions import stream


def live_times(
    rates: Sequence[float], horizon: float, rng: np.random.Generator, first_hour: int = 0
) -> Iterator[float]:
    """Poisson arrivals at `rates[hour of day]` per hour until `horizon`, by thinning; hour 0
    of the run is `first_hour` of the day."""
    peak = max(rates)
    if peak <= 0:
        return
    gap = stream(lambda n: rng.exponential(1 / peak, n))
    uniform = stream(rng.random)
    t = gap()
    while t < horizon:
        # Thinning: candidates at the peak rate, each kept with probability rate(t) / peak.
        if uniform() * peak < rates[(int(t) + first_hour) % 24]:
            yield t
        t += gap()


def booked_times(
    slots: Sequence[float],
    no_show: float,
    horizon: float,
    rng: np.random.Generator,
    quota: Callable[[int], float] = lambda hour: math.inf,
    first_hour: int = 0,
) -> Iterator[tuple[float, float | None]]:
    """(arrival, booked hour) of trucks wanting `slots[hour of day]` bookings each hour; each
    booked truck fails to come w.p. `no_show`. Past the hour's booking `quota` (a gate keeps
    part of each hour for the live queue) a truck cannot book and comes live (hour None).

    A fractional demand is booked up with the matching probability, so the mean is exact.
    """
    for hour in range(math.ceil(horizon)):
        wanted = slots[(hour + first_hour) % 24]
        demand = int(wanted) + (rng.random() < wanted - int(wanted))
        booked = int(min(demand, quota(hour)))
        shows = rng.binomial(booked, 1 - no_show) if booked else 0
        trucks = [(t, float(hour)) for t in (hour + rng.random(shows)).tolist()]
        trucks += [(t, None) for t in (hour + rng.random(demand - booked)).tolist()]
        for t, slot in sorted(trucks, key=lambda truck: truck[0]):
            if t < horizon:
                yield t, slot


def replay_times(times: Sequence[float], horizon: float) -> Iterator[float]:
    """Recorded arrival times (hours) in order, up to `horizon`."""
    return (t for t in sorted(times) if 0 <= t < horizon)
