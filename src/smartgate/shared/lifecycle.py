"""A trip's way across the border, as one state machine every context moves it through.

Declarations set it going, the queue moves it up to the call, operations from the gate to the
zero line. Written once here, in the shared kernel, so no context imports another's model to
know where a trip may go next.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from smartgate.shared.errors import Conflict
from smartgate.shared.wording import Wording

# Where a truck can be held and later resume from (held keeps where it was).
RESUMABLE = frozenset({"waiting", "called", "at_gate", "in_yard", "inspection", "cleared"})

TRIP_TRANSITIONS: dict[str, frozenset[str]] = {
    "declared": frozenset({"booked", "waiting", "cancelled", "expired"}),
    # Back to declared: the booking was cancelled or displaced and no other one holds it.
    "booked": frozenset({"declared", "waiting", "cancelled", "expired"}),
    # Back to declared / booked: the truck left the waiting area (its booking, if still live,
    # keeps it booked).
    "waiting": frozenset({"called", "declared", "booked", "cancelled", "held", "rejected"}),
    # Back to declared: a no-show, or the truck left when called.
    "called": frozenset({"at_gate", "declared", "held", "rejected"}),
    "at_gate": frozenset({"in_yard", "inspection", "held", "rejected"}),
    "in_yard": frozenset({"inspection", "cleared", "held", "rejected"}),
    "inspection": frozenset({"in_yard", "cleared", "held", "rejected"}),
    "cleared": frozenset({"in_yard", "handed_over", "exited", "held"}),
    "handed_over": frozenset({"exited"}),
    "held": RESUMABLE | {"rejected"},
    "rejected": frozenset(),
    "exited": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
}

# A trip that may still change its declaration: the truck has not reached the call.
AMENDABLE = frozenset({"declared", "booked", "waiting"})
FINISHED = frozenset(state for state, onward in TRIP_TRANSITIONS.items() if not onward)
# The steps after the waiting area, in the order a truck takes them (for a crossing log).
PAST_THE_CALL = ("at_gate", "in_yard", "inspection", "cleared", "handed_over", "exited")


def allowed_from(status: str) -> frozenset[str]:
    """Where a trip may go from `status`."""
    return TRIP_TRANSITIONS.get(status, frozenset())


def trip_move_refused(status: str, target: str) -> Conflict:
    """The answer to a move the table does not allow, naming the moves it does."""
    return Conflict(
        Wording(
            "a {status} trip cannot become {target} (allowed: {allowed})",
            status=status,
            target=target,
            allowed=", ".join(sorted(allowed_from(status))) or "none",
        )
    )


def check_trip_move(status: str, target: str, held_from: str | None = None) -> None:
    """Refuse a move the table does not allow; a held trip resumes only where it was held."""
    if target not in allowed_from(status):
        raise trip_move_refused(status, target)
    if status == "held" and target in RESUMABLE and target != held_from:
        raise Conflict(
            Wording(
                "a trip held at {held_from} resumes there, not at {target}",
                held_from=held_from or "an unknown step",
                target=target,
            )
        )


def coming_to(target: str) -> tuple[str, ...]:
    """The states a move to `target` may start from (a held trip resumes to one of several)."""
    return tuple(sorted(state for state, onward in TRIP_TRANSITIONS.items() if target in onward))


@dataclass(frozen=True)
class TripMoved:
    """A context moved a trip on: the declaration follows in the same unit of work, and the
    step lands in the trip's timeline and the audit log."""

    declaration_id: uuid.UUID
    target: str
    actor: str
    at: datetime
    place: str | None = None  # a point of the gate, a lane, a yard
    reason: str | None = None  # why held, rejected or sent back
    details: dict[str, object] = field(default_factory=dict)
    # Move only a trip in one of these states, and leave any other as it is: a booking
    # cancelled while its truck already waits in line leaves the trip waiting.
    only_from: frozenset[str] | None = None
