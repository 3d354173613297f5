"""Pure operations rules: what a camera read at each point of the gate means for a trip, which
agencies must inspect it, and how their outcomes move it on."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from smartgate.shared.actor import AGENCIES
from smartgate.shared.lifecycle import FINISHED, TRIP_TRANSITIONS
from smartgate.shared.terms import QUARANTINE_CHAPTERS

Point = Literal["waiting_area_in", "gate_in", "yard_in", "yard_out", "zero_line"]
Outcome = Literal["pass", "hold", "fail"]

# Where a confident read at each point takes the trip (yard_out only ends the yard visit).
POINT_STEP: dict[str, str | None] = {
    "waiting_area_in": "waiting",
    "gate_in": "at_gate",
    "yard_in": "in_yard",
    "yard_out": None,
    "zero_line": "exited",
}
# The trips a read at each point may be of: where a truck is just before it passes there.
EXPECTED_AT: dict[str, frozenset[str]] = {
    "waiting_area_in": frozenset({"declared", "booked"}),
    "gate_in": frozenset({"called"}),
    "yard_in": frozenset({"at_gate", "inspection", "cleared"}),
    "yard_out": frozenset({"in_yard", "inspection", "cleared"}),
    "zero_line": frozenset({"cleared", "handed_over"}),
}
# Every trip a camera might still see: those not yet at an end.
ON_THE_WAY = frozenset(TRIP_TRANSITIONS) - FINISHED

# Reads of one passage: frames of one camera, or two cameras at the same point, this close.
PASSAGE = timedelta(seconds=30)
# A trip is expected from a day before its declared arrival (early trucks queue overnight)
# until its declaration runs out; a read outside that window is not of it.
EARLY = timedelta(hours=24)

# A truck is inspected once it is through the gate and until it is cleared, held or not.
INSPECTABLE = frozenset({"at_gate", "in_yard", "inspection", "held"})


@dataclass(frozen=True)
class InspectionPlan:
    """Which agencies a trip must pass, from its goods and the gate's quarantine chapters."""

    required: tuple[str, ...]

    def verdict(self, latest: Mapping[str, str]) -> str | None:
        """What the agencies' latest outcomes make of the trip: `rejected` when one failed it,
        `held` when one holds it, `cleared` when all required passed, else None (waiting)."""
        outcomes = [latest.get(agency) for agency in self.required]
        if "fail" in latest.values():
            return "rejected"
        if "hold" in latest.values():
            return "held"
        if all(outcome == "pass" for outcome in outcomes):
            return "cleared"
        return None


def inspection_plan(
    hs_codes: Iterable[str], quarantine_chapters: Iterable[str] = QUARANTINE_CHAPTERS
) -> InspectionPlan:
    """Customs and the border guard inspect every truck; quarantine only live animals and
    plant products (by HS chapter)."""
    chapters = tuple(quarantine_chapters)
    needs_quarantine = any(code[:2] in chapters for code in hs_codes)
    return InspectionPlan(tuple(a for a in AGENCIES if a != "quarantine" or needs_quarantine))


def in_arrival_window(expected: datetime, at: datetime, valid_hours: int) -> bool:
    """Whether a truck declared for `expected` may be the one read at `at`."""
    return expected - EARLY <= at <= expected + timedelta(hours=valid_hours)


# --- yards ----------------------------------------------------------------------------------

# A yard at 90 % of its trucks warns the operators; at 100 % it is full.
YARD_WARNING_PERCENT = 90


def yard_level(present: int, capacity: int) -> Literal["ok", "warning", "full"]:
    """How full a yard is: `ok`, `warning` from 90 % of its capacity, `full` from 100 %."""
    if present >= capacity:
        return "full"
    if present * 100 >= YARD_WARNING_PERCENT * capacity:  # in integers: 0.9 * n may round
        return "warning"
    return "ok"


def minutes_between(start: datetime, end: datetime) -> float:
    """Whole minutes and tenths from `start` to `end` (a dwell time)."""
    return round((end - start).total_seconds() / 60, 1)


def mean(values: Iterable[float]) -> float | None:
    """The mean of some dwell times, None when there are none."""
    found = list(values)
    return round(sum(found) / len(found), 1) if found else None


# --- handover at the line -------------------------------------------------------------------

# What a handover must name in each delivery mode: a tractor swap the other side's driver and
# tractor, a transshipment the other side's truck, a shuttle run its shuttle.
HANDOVER_NEEDS: dict[str, tuple[str, ...]] = {
    "direct": (),
    "tractor_swap": ("far_driver", "far_plate"),
    "transshipment": ("far_plate",),
    "shuttle": ("shuttle_id",),
}


def handover_faults(
    mode: str, lane_modes: Iterable[str], green_zone_fault: str | None, given: Mapping[str, object]
) -> list[tuple[str, str]]:
    """(field, why) for each thing wrong with a handover: a mode the lane does not offer, a
    mode green-zone rules forbid, a detail the mode needs left out."""
    faults = []
    offered = sorted(lane_modes)
    if mode not in offered:
        faults.append(("mode", f"the lane offers {', '.join(offered)}, not {mode}"))
    if green_zone_fault:
        faults.append(("mode", green_zone_fault))
    faults += [(name, f"{mode} needs it") for name in HANDOVER_NEEDS[mode] if not given.get(name)]
    return faults
