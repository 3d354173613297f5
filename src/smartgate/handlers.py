"""Which context follows which event of another: the one place contexts meet without
importing each other's tables."""

from collections.abc import Callable, Iterator
from typing import Any

from smartgate.declarations.model import TractorChanged, TripsDeclared
from smartgate.exchange import services as exchange
from smartgate.operations import services as operations
from smartgate.policy.model import CapacityDeclared, RulesChanged, StopsChanged
from smartgate.queue import replanning, waiting_area
from smartgate.queue import services as queue
from smartgate.shared.audit import Changed
from smartgate.shared.lifecycle import TripMoved
from smartgate.uow import UnitOfWork

Handler = Callable[[UnitOfWork, list[Any]], None]


def each(handler: Callable[[UnitOfWork, Any], None]) -> Handler:
    """A handler of one event, run on each event of a run in turn."""

    def on_each(uow: UnitOfWork, events: list[Any]) -> None:
        for event in events:
            handler(uow, event)

    return on_each


# Each handler takes a run of events of its kind, no trip twice in a run: a camera batch moves
# a hundred trips in one unit of work, and a handler that writes a statement a run rather than
# a statement an event is what lets it.
HANDLERS: dict[type, tuple[Handler, ...]] = {
    TractorChanged: (each(queue.follow_new_tractor),),
    CapacityDeclared: (each(replanning.follow_capacity), exchange.announce_capacity),
    StopsChanged: (each(replanning.follow_stops),),
    RulesChanged: (each(replanning.follow_rules),),
    # The trips move first: the queue then releases what a cancelled trip held, and tells the
    # drivers of the step they took.
    Changed: (operations.record_changes, exchange.announce_suspensions),
    # What the other side's instance hears, in the outbox, in the transaction of the change.
    TripsDeclared: (exchange.announce_trips,),
    TripMoved: (
        operations.follow_trips,
        each(waiting_area.release_cancelled_trip),
        waiting_area.tell_the_drivers,
        exchange.announce_steps,
    ),
}


def handle(uow: UnitOfWork, events: list[object]) -> None:
    """Run every handler of the events in the unit of work that published them, in order,
    a run of events of one kind at a time."""
    for run in _runs(events):
        for handler in HANDLERS.get(type(run[0]), ()):
            handler(uow, run)


def _runs(events: list[object]) -> Iterator[list[object]]:
    # Consecutive events of one kind, a new run where one names a trip its run already has
    # (its second step must follow the first, handlers and all).
    run: list[object] = []
    trips: set[object] = set()
    for event in events:
        trip = getattr(event, "declaration_id", None)
        if run and (type(event) is not type(run[0]) or (trip is not None and trip in trips)):
            yield run
            run, trips = [], set()
        run.append(event)
        trips.add(trip)
    if run:
        yield run
