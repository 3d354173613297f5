"""Flat immutable result records: one truck, one hourly sample, one replication summary."""

from typing import NamedTuple


class TruckRecord(NamedTuple):
    """One truck's passage in hours from the start (a truck already waiting at the start
    arrived at a negative hour); None where it never got that far."""

    truck_id: int
    channel: str
    goods: str
    arrived: float
    inspection_start: float | None
    inspection_end: float | None
    departed: float | None
    called: float | None = None  # by the waiting area, to the yard
    lane: str | None = None  # the waiting area's lane it was called from (class, booked, live)
    call_number: int | None = None  # 1 for the first truck called, 2 for the next, ...


class Sample(NamedTuple):
    """State of the gate at the top of an hour (means when averaged over replications)."""

    time: float
    road_queue: float
    yard: float
    held: float
    in_system: float


class Summary(NamedTuple):
    """Figures of one replication; times in hours, for trucks arriving after the warm-up.

    A wait runs from arrival to the start of primary inspection; trucks still waiting at the
    end count with the time waited so far, so in an overloaded run the waits are lower bounds.
    Dwell (arrival to departure) covers departed trucks only. Utilisation is the primary
    lanes' busy hours within opening hours over their open hours in the whole run (work that
    overruns the closing time is left out), so it never exceeds 1.
    """

    scenario: str
    arrivals: int
    departed: int
    in_system: int
    held: int
    mean_wait: float
    p95_wait: float
    mean_dwell: float
    throughput_per_day: float
    yard_peak: int
    road_queue_end: int
    utilisation: float
    cleared_by_goods: tuple[tuple[str, int], ...]


# The figures an experiment reports with confidence intervals, and how to label them.
METRICS: dict[str, str] = {
    "mean_wait": "mean wait (h)",
    "p95_wait": "p95 wait (h)",
    "throughput_per_day": "throughput / day",
    "yard_peak": "yard peak",
    "utilisation": "utilisation",
    "road_queue_end": "road queue at end",
}
