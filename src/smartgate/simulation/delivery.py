"""Delivery modes: how a cleared truck's goods get across the zero line, with handover times.

Times are in hours. The figures are planning defaults, overridable per scenario:
- direct crossing: the truck drives through; a driverless barrier opens in about 30 s.
- tractor swap: a tractor of the other side hooks the trailer (green-zone, contactless);
  the swap tractor then drives back.
- transshipment: goods are moved from one truck to another across a dock.
- automated shuttle (AGV): the container is loaded on an AGV that runs the Chinese side's
  3.6 km dedicated route; assumed 20 km/h loaded and empty, 4 min to load or unload.
"""

from dataclasses import dataclass

from smartgate.simulation.distributions import Distribution, Lognormal

BARRIER_H = 30 / 3600
AGV_ROUTE_KM = 3.6
AGV_SPEED_KMH = 20.0
AGV_LOAD_H = 4 / 60


@dataclass(frozen=True)
class DeliveryMode:
    """A handover stage: `units` in parallel, each holding a truck for `handover`, then busy
    `turnaround` more hours before it can take the next truck."""

    name: str
    units: int
    handover: Distribution
    turnaround: float


def _agv_turnaround() -> float:
    # Drive loaded, unload, drive back empty; the truck was released once loaded.
    return 2 * AGV_ROUTE_KM / AGV_SPEED_KMH + AGV_LOAD_H + BARRIER_H


DEFAULTS: dict[str, tuple[Distribution, float]] = {
    "direct_crossing": (Lognormal(BARRIER_H + 0.5 / 60, 0.3), 0.0),
    "tractor_swap": (Lognormal(15 / 60, 0.4), 10 / 60),
    "transshipment": (Lognormal(1.0, 0.5), 0.0),
    "agv_shuttle": (Lognormal(AGV_LOAD_H + BARRIER_H, 0.2), _agv_turnaround()),
}


# The registry's names for the same modes (what a trip declares, what green-zone mode checks).
REGISTRY_NAMES = {
    "direct_crossing": "direct",
    "tractor_swap": "tractor_swap",
    "transshipment": "transshipment",
    "agv_shuttle": "shuttle",
}


def delivery_mode(
    name: str,
    units: int,
    handover: Distribution | None = None,
    turnaround: float | None = None,
) -> DeliveryMode:
    """The named mode with its default handover and turnaround unless overridden."""
    if name not in DEFAULTS:
        raise ValueError(f"must be one of {', '.join(DEFAULTS)}, got {name!r}")
    default_handover, default_turnaround = DEFAULTS[name]
    return DeliveryMode(
        name=name,
        units=units,
        handover=default_handover if handover is None else handover,
        turnaround=default_turnaround if turnaround is None else turnaround,
    )
