"""A bare M/G/c queue on the kernel: the model behind `simulate mmc` and the benchmark."""

from typing import NamedTuple

import numpy as np

from smartgate.simulation.distributions import Distribution, Exponential
from smartgate.simulation.kernel import Kernel
from smartgate.simulation.resources import Station


class QueueRun(NamedTuple):
    """One replication of an M/G/c queue; waits are in the time unit of the rates."""

    customers: int
    measured: int
    mean_wait: float
    p95_wait: float
    end_time: float


def simulate_queue(
    arrival_rate: float,
    service: Distribution,
    servers: int,
    customers: int,
    rng: np.random.Generator,
    warmup: int = 0,
) -> QueueRun:
    """Serve `customers` Poisson arrivals FIFO on `servers`, dropping the first `warmup` waits."""
    if customers <= warmup:
        raise ValueError(f"customers ({customers}) must exceed warmup ({warmup})")
    kernel = Kernel()
    waits: list[float] = []
    record = waits.append
    interarrival = Exponential(1 / arrival_rate).sampler(rng)
    # The job is its own arrival time: no per-customer object on the hot path.
    station = Station(
        kernel, servers, service.sampler(rng), started=lambda arrived: record(kernel.now - arrived)
    )
    remaining = customers

    def arrive(_: object) -> None:
        nonlocal remaining
        station.request(kernel.now)
        remaining -= 1
        if remaining:
            kernel.after(interarrival(), arrive)

    kernel.after(interarrival(), arrive)
    kernel.run()
    return summarise(waits, warmup, kernel.now)


def summarise(waits: list[float], warmup: int, end_time: float) -> QueueRun:
    """Figures of a run from its waits in FIFO order, leaving out the first `warmup`."""
    measured = np.asarray(waits[warmup:])
    return QueueRun(
        customers=len(waits),
        measured=len(measured),
        mean_wait=float(measured.mean()),
        p95_wait=float(np.percentile(measured, 95)),
        end_time=end_time,
    )
