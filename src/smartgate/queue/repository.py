"""The only place that queries queue tables."""

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smartgate.db import insert_ignoring_duplicates
from smartgate.declarations.tables import DeclarationRow
from smartgate.queue.model import CALLED_OR_AFTER
from smartgate.queue.tables import (
    BookingRow,
    NoticeRow,
    QueueEntryRow,
    QueueStateRow,
    SlotCountRow,
)
from smartgate.shared.actor import Actor


class QueueRepository:
    """Bookings, slot counters, the waiting area, queue state and notices."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- bookings -----------------------------------------------------------------------

    def add_booking(self, row: BookingRow) -> None:
        """Stage a booking and flush, so the one-per-vehicle index speaks now."""
        self.session.add(row)
        self.session.flush()

    def booking_for_update(self, booking_id: uuid.UUID, actor: Actor) -> BookingRow | None:
        """A booking the actor may change, locked against concurrent changes."""
        query = _own_bookings(select(BookingRow), actor).where(BookingRow.id == booking_id)
        return self.session.scalar(query.with_for_update())

    def booking(self, booking_id: uuid.UUID, actor: Actor) -> BookingRow | None:
        """A booking the actor may see."""
        query = _own_bookings(select(BookingRow), actor).where(BookingRow.id == booking_id)
        return self.session.scalar(query)

    def booking_by_pass(self, pass_code: str) -> BookingRow | None:
        """The booking a scanned pass belongs to."""
        return self.session.scalar(select(BookingRow).where(BookingRow.pass_code == pass_code))

    def live_booking_for_vehicle(self, vehicle_key: str) -> BookingRow | None:
        """The vehicle's active or held booking, if any."""
        return self.session.scalar(
            select(BookingRow).where(
                BookingRow.vehicle_key == vehicle_key,
                BookingRow.status.in_(("active", "held")),
            )
        )

    def bookings_of(self, actor: Actor, limit: int = 100) -> list[BookingRow]:
        """The actor's bookings, latest slot first."""
        query = _own_bookings(select(BookingRow), actor).order_by(BookingRow.slot_start.desc())
        return list(self.session.scalars(query.limit(limit)))

    def bookings_made_between(self, owner_id: int, since: datetime, until: datetime) -> int:
        """How many bookings an account made in [since, until] (for the rate limit)."""
        query = select(func.count()).where(
            BookingRow.owner_id == owner_id, BookingRow.created_at.between(since, until)
        )
        return self.session.scalar(query) or 0

    def cancellations_between(
        self, vehicle_key: str, since: datetime, until: datetime
    ) -> list[datetime]:
        """When the vehicle's bookings were cancelled in [since, until], oldest first."""
        query = (
            select(BookingRow.cancelled_at)
            .where(
                BookingRow.vehicle_key == vehicle_key,
                BookingRow.cancelled_at.between(since, until),
            )
            .order_by(BookingRow.cancelled_at)
        )
        return [moment for moment in self.session.scalars(query) if moment is not None]

    def cancellations_by(
        self, key: str, gate_id: str, since: datetime, limit: int = 20
    ) -> list[tuple[str, int]]:
        """Cancellations per `key` ("company" or "plate") at a gate since a moment, most first."""
        who = func.coalesce(getattr(BookingRow, key), "—")
        query = (
            select(who, func.count())
            .where(BookingRow.gate_id == gate_id, BookingRow.cancelled_at >= since)
            .group_by(who)
            .order_by(func.count().desc(), who)
            .limit(limit)
        )
        return [(name, count) for name, count in self.session.execute(query)]

    def bookings_in_slot(self, gate_id: str, direction: str, slot: datetime) -> list[BookingRow]:
        """Active bookings of one slot, earliest made first."""
        query = (
            select(BookingRow)
            .where(
                BookingRow.gate_id == gate_id,
                BookingRow.direction == direction,
                BookingRow.slot_start == slot,
                BookingRow.status == "active",
            )
            .order_by(BookingRow.created_at, BookingRow.id)
            .with_for_update()
        )
        return list(self.session.scalars(query))

    def bookings_between(
        self, gate_id: str, start: datetime, end: datetime, statuses: tuple[str, ...]
    ) -> list[BookingRow]:
        """Bookings of a gate with slots in [start, end) in the given states, by slot."""
        query = (
            select(BookingRow)
            .where(
                BookingRow.gate_id == gate_id,
                BookingRow.slot_start >= start,
                BookingRow.slot_start < end,
                BookingRow.status.in_(statuses),
            )
            .order_by(BookingRow.slot_start, BookingRow.created_at)
        )
        return list(self.session.scalars(query))

    # --- slot counters ------------------------------------------------------------------

    def take_place(self, gate_id: str, direction: str, slot: datetime, quota: int) -> bool:
        """Count one more booking in a slot unless it is full; safe under concurrency, since
        the conditional UPDATE locks the counter row and re-checks after any wait."""
        insert_ignoring_duplicates(
            self.session, SlotCountRow, gate_id=gate_id, direction=direction, slot_start=slot,
            booked=0,
        )  # fmt: skip
        result = self.session.execute(
            update(SlotCountRow)
            .where(
                SlotCountRow.gate_id == gate_id,
                SlotCountRow.direction == direction,
                SlotCountRow.slot_start == slot,
                SlotCountRow.booked < quota,
            )
            .values(booked=SlotCountRow.booked + 1)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    def release_place(self, gate_id: str, direction: str, slot: datetime) -> None:
        """Give one place back to a slot."""
        self.session.execute(
            update(SlotCountRow)
            .where(
                SlotCountRow.gate_id == gate_id,
                SlotCountRow.direction == direction,
                SlotCountRow.slot_start == slot,
                SlotCountRow.booked > 0,
            )
            .values(booked=SlotCountRow.booked - 1)
        )

    def booked_counts(
        self, gate_id: str, direction: str, start: datetime, end: datetime
    ) -> dict[datetime, int]:
        """Bookings per slot in [start, end)."""
        query = select(SlotCountRow.slot_start, SlotCountRow.booked).where(
            SlotCountRow.gate_id == gate_id,
            SlotCountRow.direction == direction,
            SlotCountRow.slot_start >= start,
            SlotCountRow.slot_start < end,
        )
        return {slot: booked for slot, booked in self.session.execute(query)}

    # --- the waiting area ---------------------------------------------------------------

    def add_entry(self, row: QueueEntryRow) -> None:
        """Stage a truck's arrival and flush, so it gets its arrival number."""
        self.session.add(row)
        self.session.flush()

    def entry(self, entry_id: uuid.UUID) -> QueueEntryRow | None:
        """One queue entry by id."""
        return self.session.scalar(select(QueueEntryRow).where(QueueEntryRow.id == entry_id))

    def entries_by_ids(self, ids: list[uuid.UUID]) -> list[QueueEntryRow]:
        """Entries by id, in the order asked."""
        rows = {
            r.id: r
            for r in self.session.scalars(select(QueueEntryRow).where(QueueEntryRow.id.in_(ids)))
        }
        return [rows[i] for i in ids if i in rows]

    def entry_in_queue_for_vehicle(self, vehicle_key: str) -> QueueEntryRow | None:
        """The vehicle's place in any waiting area, if it has one."""
        return self.session.scalar(
            select(QueueEntryRow).where(
                QueueEntryRow.vehicle_key == vehicle_key,
                QueueEntryRow.status.in_(("waiting", "held", "called")),
            )
        )

    def entries(
        self, gate_id: str, direction: str, statuses: tuple[str, ...]
    ) -> list[QueueEntryRow]:
        """A gate's entries in the given states, in arrival order."""
        query = (
            select(QueueEntryRow)
            .where(
                QueueEntryRow.gate_id == gate_id,
                QueueEntryRow.direction == direction,
                QueueEntryRow.status.in_(statuses),
            )
            .order_by(QueueEntryRow.seq)
        )
        return list(self.session.scalars(query))

    def entries_of(self, actor: Actor, limit: int = 200) -> list[QueueEntryRow]:
        """The trucks the actor may follow that are in a waiting area now."""
        query = select(QueueEntryRow).where(QueueEntryRow.status.in_(("waiting", "held", "called")))
        if actor.role == "driver":
            query = query.where(QueueEntryRow.owner_id == actor.user_id)
        elif actor.role == "forwarder":
            query = query.join(DeclarationRow).where(DeclarationRow.company == actor.company)
        elif actor.role == "operator":
            query = query.where(QueueEntryRow.gate_id == actor.gate_id)
        return list(self.session.scalars(query.order_by(QueueEntryRow.seq).limit(limit)))

    def calls_since(self, gate_id: str, direction: str, since: datetime) -> int:
        """Trucks called after `since` (the gate's current pace)."""
        # Naming the statuses lets the (gate, direction, status) index skip the waiting trucks;
        # on called_at alone PostgreSQL reads every row of the gate (36 ms at 100,000 waiting).
        query = select(func.count()).where(
            QueueEntryRow.gate_id == gate_id,
            QueueEntryRow.direction == direction,
            QueueEntryRow.status.in_(CALLED_OR_AFTER),
            QueueEntryRow.called_at >= since,
        )
        return self.session.scalar(query) or 0

    def no_shows_between(
        self, vehicle_key: str, since: datetime, until: datetime
    ) -> list[datetime]:
        """When the vehicle failed to show after being called in [since, until], oldest first."""
        query = (
            select(QueueEntryRow.called_at)
            .where(
                QueueEntryRow.vehicle_key == vehicle_key,
                QueueEntryRow.status == "no_show",
                QueueEntryRow.called_at.between(since, until),
            )
            .order_by(QueueEntryRow.called_at)
        )
        return [moment for moment in self.session.scalars(query) if moment is not None]

    # --- per gate and direction state ---------------------------------------------------

    def lock_state(self, gate_id: str, direction: str) -> QueueStateRow:
        """The queue's state row, write-locked and its version bumped: from here until
        commit, no other writer touches this gate's queue (row lock on PostgreSQL, write lock
        on SQLite)."""
        insert_ignoring_duplicates(
            self.session, QueueStateRow, gate_id=gate_id, direction=direction, version=0,
            booked_since_live=0,
        )  # fmt: skip
        self.session.execute(
            update(QueueStateRow)
            .where(QueueStateRow.gate_id == gate_id, QueueStateRow.direction == direction)
            .values(version=QueueStateRow.version + 1)
        )
        return self.session.get_one(QueueStateRow, (gate_id, direction), populate_existing=True)

    def state(self, gate_id: str, direction: str) -> QueueStateRow | None:
        """The queue's state row, unlocked (for readers)."""
        return self.session.get(QueueStateRow, (gate_id, direction), populate_existing=True)

    # --- notices ------------------------------------------------------------------------

    def add_notices(self, rows: list[NoticeRow]) -> None:
        """Stage notices to trucks."""
        self.session.add_all(rows)

    def notices_of(self, actor: Actor, limit: int = 50) -> list[NoticeRow]:
        """The newest notices for the actor's trucks."""
        query = select(NoticeRow).order_by(NoticeRow.created_at.desc(), NoticeRow.id.desc())
        if actor.role == "driver":
            query = query.where(NoticeRow.owner_id == actor.user_id)
        elif actor.role == "forwarder":
            query = query.join(DeclarationRow).where(DeclarationRow.company == actor.company)
        elif actor.role == "operator":
            query = query.join(DeclarationRow).where(DeclarationRow.gate_id == actor.gate_id)
        return list(self.session.scalars(query.limit(limit)))


def _own_bookings(query, actor: Actor):  # type: ignore[no-untyped-def]
    # Drivers see their own bookings, forwarders their company's; the rest see by gate.
    if actor.role == "driver":
        return query.where(BookingRow.owner_id == actor.user_id)
    if actor.role == "forwarder":
        return query.where(BookingRow.company == actor.company)
    if actor.role == "operator":
        return query.where(BookingRow.gate_id == actor.gate_id)
    return query
