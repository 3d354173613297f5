"""Which context follows which event of another: the one place contexts meet without
importing each other's tables."""

from collections.abc import Callable
from typing import Any

from smartgate.declarations.model import TractorChanged
from smartgate.operations import services as operations
from smartgate.policy.model import CapacityDeclared, RulesChanged, StopsChanged
from smartgate.queue import replanning, waiting_area
from smartgate.queue import services as queue
from smartgate.shared.audit import Changed
from smartgate.shared.lifecycle import TripMoved
from smartgate.uow import UnitOfWork

HANDLERS: dict[type, tuple[Callable[[UnitOfWork, Any], None], ...]] = {
    TractorChanged: (queue.follow_new_tractor,),
    CapacityDeclared: (replanning.follow_capacity,),
    StopsChanged: (replanning.follow_stops,),
    RulesChanged: (replanning.follow_rules,),
    # The trip moves first: the queue then releases what a cancelled trip held, and tells the
    # driver of the step it took.
    Changed: (operations.record_change,),
    TripMoved: (
        operations.follow_trip,
        waiting_area.release_cancelled_trip,
        waiting_area.tell_the_driver,
    ),
}


def handle(uow: UnitOfWork, event: object) -> None:
    """Run every handler of the event in the unit of work that published it."""
    for handler in HANDLERS.get(type(event), ()):
        handler(uow, event)
