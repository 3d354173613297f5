"""The only place that queries queue tables."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    Integer,
    Row,
    TextClause,
    bindparam,
    case,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from smartgate.db import (
    UTCDateTime,
    dialect_insert,
    insert_rows,
    is_postgresql,
    postgresql_insert,
    visible,
)
from smartgate.declarations.tables import DeclarationRow
from smartgate.queue.model import (
    BOOKING_TRANSITIONS,
    CALLED_OR_AFTER,
    CANCEL_WINDOW,
    ENTRY_TRANSITIONS,
    RATE_WINDOW,
    VehicleRecord,
    called_text,
    coming_from,
    notice,
    notice_wording,
    pass_key,
)
from smartgate.queue.tables import (
    IN_QUEUE_STATUSES,
    LIVE_STATUSES,
    BookingAttemptRow,
    BookingRow,
    NoticeRow,
    QueueChangeRow,
    QueueEntryRow,
    QueueStateRow,
    SlotCountRow,
)
from smartgate.shared.actor import Actor


@dataclass(frozen=True)
class QueueState:
    """One gate and direction's queue version and what the call order keeps between calls."""

    version: int
    synced_at: datetime | None  # when holds last matched the suspensions
    booked_since_live: int


class QueueRepository:
    """Bookings, slot counters, the waiting area, queue state and notices."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- bookings -----------------------------------------------------------------------

    def take_place_and_store(self, values: dict[str, Any], quota: int) -> bool:
        """Take a place in the booking's slot and store the booking, unless the slot already
        holds `quota` (then False, nothing stored). The one-per-vehicle index speaks at once
        (IntegrityError). On PostgreSQL both happen in one statement."""
        if not is_postgresql(self.session):
            place = (values["gate_id"], values["direction"], values["slot_start"], quota)
            if not self.take_place(*place):
                return False
            self.session.execute(insert(BookingRow.__table__), [values])
            return True
        statement = _book_postgresql(tuple(values))
        return self.session.execute(statement, values | {"quota": quota}).first() is not None

    def booking_for_update(self, booking_id: uuid.UUID, actor: Actor) -> BookingRow | None:
        """A booking the actor may change, locked against concurrent changes."""
        query = _own_bookings(select(BookingRow), actor).where(BookingRow.id == booking_id)
        return self.session.scalar(query.with_for_update())

    def booking(self, booking_id: uuid.UUID, actor: Actor) -> BookingRow | None:
        """A booking the actor may see."""
        query = _own_bookings(select(BookingRow), actor).where(BookingRow.id == booking_id)
        return self.session.scalar(query)

    def booking_by_pass(self, pass_code: str) -> BookingRow | None:
        """The booking a scanned or typed pass belongs to, in whatever case it was typed."""
        key = pass_key(pass_code)
        return self.session.scalar(select(BookingRow).where(BookingRow.pass_code == key))

    def live_booking_for_vehicle(self, vehicle_key: str) -> BookingRow | None:
        """The vehicle's active or held booking, if any."""
        return self.session.scalar(
            select(BookingRow).where(
                BookingRow.vehicle_key == vehicle_key,
                BookingRow.status.in_(LIVE_STATUSES),
            )
        )

    def live_booking_of_trip(self, declaration_id: uuid.UUID) -> BookingRow | None:
        """The trip's active or held booking, locked, if it has one."""
        query = select(BookingRow).where(
            BookingRow.declaration_id == declaration_id, BookingRow.status.in_(LIVE_STATUSES)
        )
        return self.session.scalar(query.with_for_update())

    def entry_in_queue_of_trip(self, declaration_id: uuid.UUID) -> QueueEntryRow | None:
        """The trip's place in a waiting area, if it has one."""
        query = select(QueueEntryRow).where(
            QueueEntryRow.declaration_id == declaration_id,
            QueueEntryRow.status.in_(IN_QUEUE_STATUSES),
        )
        return self.session.scalar(query)

    def follow_vehicle(self, declaration_id: uuid.UUID, vehicle_key: str, plate: str) -> None:
        """Give a trip's live booking and place in line its new vehicle (the one-per-vehicle
        indexes speak at once: IntegrityError)."""
        values = {"vehicle_key": vehicle_key, "plate": plate}
        for table, live in ((BookingRow, LIVE_STATUSES), (QueueEntryRow, IN_QUEUE_STATUSES)):
            self.session.execute(
                update(table)
                .where(table.declaration_id == declaration_id, table.status.in_(live))
                .values(values)
            )

    def bookings_of(self, actor: Actor, limit: int = 100) -> list[BookingRow]:
        """The actor's bookings, latest slot first."""
        query = _own_bookings(select(BookingRow), actor).order_by(BookingRow.slot_start.desc())
        return list(self.session.scalars(query.limit(limit)))

    def count_request_and_record(
        self,
        vehicle_key: str,
        declaration_id: uuid.UUID,
        *,
        account_id: int,
        per_minute: int,
        now: datetime,
        no_shows_since: datetime,
    ) -> VehicleRecord:
        """Count this booking request of the account (see `count_request`; rolled back with
        the booking, so a refusal must count it again on its own) and read what the
        anti-hoarding rules look at: when the account made its request `per_minute` before
        this one, the vehicle's cancellations in the last day, its no-shows since
        `no_shows_since`, its live booking and the trip's. On PostgreSQL one statement."""
        values = {
            "account_id": account_id,
            "per_minute": per_minute,
            "vehicle_key": vehicle_key,
            "declaration_id": declaration_id,
            "now": now,
            "day_ago": now - CANCEL_WINDOW,
            "no_shows_since": no_shows_since,
        }
        # Plain columns: the session's connection runs it without the ORM's statement handling.
        connection = self.session.connection()
        if is_postgresql(self.session):
            found = None
            while found is None or found[0] is None:  # None: a concurrent request took the number
                found = connection.execute(_COUNTED_RECORD_POSTGRESQL, values).one()
            return VehicleRecord(*found[1:])
        number = count_request(connection, account_id, now)
        return VehicleRecord(
            *connection.execute(_VEHICLE_RECORD, values | {"number": number}).one()
        )

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
        """Count one more booking in a slot unless it is full, in one statement. Safe under
        concurrency: the upsert locks the counter row and re-checks the quota after any wait.
        `quota` is at least 1."""
        statement = _take_place(dialect_insert(self.session))
        values = {"gate": gate_id, "way": direction, "slot": slot, "quota": quota}
        return self.session.execute(statement, values).first() is not None

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
        return self.session.scalar(_ENTRY, {"id": entry_id})

    def entry_for_update(self, entry_id: uuid.UUID) -> QueueEntryRow | None:
        """One queue entry as committed now, locked (its loaded copy, if any, refreshed)."""
        query = select(QueueEntryRow).where(QueueEntryRow.id == entry_id).with_for_update()
        return self.session.scalar(query.execution_options(populate_existing=True))

    def entries_by_ids(self, ids: list[uuid.UUID]) -> list[QueueEntryRow]:
        """Entries by id, in the order asked."""
        if not ids:
            return []
        rows = {r.id: r for r in self.session.scalars(_ENTRIES, {"ids": ids})}
        return [rows[i] for i in ids if i in rows]

    def call(self, ids: list[uuid.UUID], lane: str | None, at: datetime) -> list[Row[Any]]:
        """Mark waiting entries called to the border, their bookings used, and tell each
        driver where to go; the entries' updated rows, in the order asked. On PostgreSQL all
        of it is one statement."""
        if not ids:
            return []
        text_id, params = called_text(lane)
        # The English message with the plate left to fill in, row by row.
        message = str(notice_wording(text_id, {"plate": "{plate}", **params}))
        values = {"ids": ids, "lane": lane, "at": at, "text_id": text_id, "message": message}
        if is_postgresql(self.session):
            called = list(self.session.execute(_CALL_POSTGRESQL, values))
        else:
            called = list(self.session.execute(_CALL, values))
            used = [r.booking_id for r in called if r.booking_id is not None]
            if used:
                self.session.execute(_BOOKINGS_USED, {"ids": used})
            notices = [notice(r, text_id, at, **params) for r in called]
            self.session.execute(_INSERT_NOTICE, notices)
        rows = {r.id: r for r in called}
        return [rows[i] for i in ids if i in rows]

    def entry_in_queue_for_vehicle(self, vehicle_key: str) -> QueueEntryRow | None:
        """The vehicle's place in any waiting area, if it has one."""
        return self.session.scalar(
            select(QueueEntryRow).where(
                QueueEntryRow.vehicle_key == vehicle_key,
                QueueEntryRow.status.in_(IN_QUEUE_STATUSES),
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

    def bookings_in_line(self, gate_id: str) -> set[uuid.UUID]:
        """The bookings whose trucks have a place in one of the gate's waiting areas."""
        query = select(QueueEntryRow.booking_id).where(
            QueueEntryRow.gate_id == gate_id,
            QueueEntryRow.status.in_(IN_QUEUE_STATUSES),
            QueueEntryRow.booking_id.is_not(None),
        )
        return set(self.session.scalars(query))

    def walk_ups_between(
        self, gate_id: str, direction: str, start: datetime, end: datetime
    ) -> list[QueueEntryRow]:
        """Trucks that joined a gate's line in [start, end) without a booking."""
        query = select(QueueEntryRow).where(
            QueueEntryRow.gate_id == gate_id,
            QueueEntryRow.direction == direction,
            QueueEntryRow.arrived_at >= start,
            QueueEntryRow.arrived_at < end,
            QueueEntryRow.slot_start.is_(None),
        )
        return list(self.session.scalars(query))

    def entries_of(self, actor: Actor, limit: int = 200) -> list[QueueEntryRow]:
        """The trucks the actor may follow that are in a waiting area now."""
        query = _of_visible_trips(select(QueueEntryRow), QueueEntryRow.declaration_id, actor)
        query = query.where(QueueEntryRow.status.in_(IN_QUEUE_STATUSES))
        return list(self.session.scalars(query.order_by(QueueEntryRow.seq).limit(limit)))

    def calls_since(
        self, gate_id: str, direction: str, since: datetime
    ) -> list[tuple[datetime, str]]:
        """(called at, entry id) of the trucks called at or after `since`."""
        # Naming the statuses lets the (gate, direction, status) index skip the waiting trucks;
        # on called_at alone PostgreSQL reads every row of the gate (36 ms at 100,000 waiting).
        query = select(QueueEntryRow.called_at, QueueEntryRow.id).where(
            QueueEntryRow.gate_id == gate_id,
            QueueEntryRow.direction == direction,
            QueueEntryRow.status.in_(CALLED_OR_AFTER),
            QueueEntryRow.called_at >= since,
        )
        return [(at, str(entry_id)) for at, entry_id in self.session.execute(query) if at]

    def called_now(self, gate_id: str, direction: str) -> list[tuple[uuid.UUID, datetime]]:
        """The trucks called and not yet through, with when they were called."""
        query = select(QueueEntryRow.id, QueueEntryRow.called_at).where(
            QueueEntryRow.gate_id == gate_id,
            QueueEntryRow.direction == direction,
            QueueEntryRow.status == "called",
        )
        return [(entry_id, at) for entry_id, at in self.session.execute(query) if at is not None]

    # --- per gate and direction state ---------------------------------------------------

    def lock_state(self, gate_id: str, direction: str) -> QueueState:
        """The queue's state, write-locked and its version bumped, in one statement: from here
        until commit, no other writer touches this gate's queue (row lock on PostgreSQL, write
        lock on SQLite)."""
        statement = _lock_state(dialect_insert(self.session))
        found = self.session.execute(statement, {"gate": gate_id, "way": direction})
        return QueueState(*found.one())

    def state(self, gate_id: str, direction: str) -> QueueState:
        """The queue's state, unlocked (for readers); version 0 before the first change."""
        values = {"gate_id": gate_id, "direction": direction}
        found = self.session.execute(_STATE, values).first()
        return QueueState(*found) if found else QueueState(0, None, 0)

    def save_state(self, gate_id: str, direction: str, state: QueueState) -> None:
        """Store what changed in a locked state besides its version."""
        values = {
            "gate": gate_id,
            "way": direction,
            "synced": state.synced_at,
            "booked": state.booked_since_live,
        }
        self.session.execute(_SAVE_STATE, values)

    def log_change(
        self,
        gate_id: str,
        direction: str,
        version: int,
        policy: bool,
        entry_ids: set[str] | None,
    ) -> None:
        """Record which entries a version touched (None: too many to list) and whether the
        policy changed, for the other processes' boards; every so often drop what no board
        can need any more."""
        ids = None if entry_ids is None else sorted(entry_ids)
        values = {"gate": gate_id, "way": direction, "version": version, "policy": policy,
                  "ids": ids}  # fmt: skip
        self.session.execute(_LOG_CHANGE, values)
        if version % CHANGES_KEPT == 0:
            self.session.execute(_PRUNE_CHANGES, values | {"oldest": version - CHANGES_KEPT})

    def changes_between(
        self, gate_id: str, direction: str, after: int, upto: int
    ) -> list[Row[Any]]:
        """The logged versions after `after` up to `upto`: version, policy, entry_ids."""
        values = {"gate": gate_id, "way": direction, "after": after, "upto": upto}
        return list(self.session.execute(_CHANGES, values))

    def policy_changes_between(
        self, gate_id: str, direction: str, after: int, upto: int
    ) -> tuple[int, bool]:
        """How many versions after `after` up to `upto` the log holds, and whether any of
        them changed the policy."""
        values = {"gate": gate_id, "way": direction, "after": after, "upto": upto}
        logged, changed = self.session.execute(_POLICY_CHANGES, values).one()
        return logged, bool(changed)

    # --- notices ------------------------------------------------------------------------

    def add_notices(self, notices: list[dict[str, Any]]) -> None:
        """Insert notices to trucks (as made by `model.notice`)."""
        if notices:
            insert_rows(self.session, NoticeRow.__table__, notices, _INSERT_NOTICE)

    def notices_of(self, actor: Actor, limit: int = 50) -> list[NoticeRow]:
        """The newest notices for the actor's trucks."""
        query = _of_visible_trips(select(NoticeRow), NoticeRow.declaration_id, actor)
        query = query.order_by(NoticeRow.created_at.desc(), NoticeRow.id.desc())
        return list(self.session.scalars(query.limit(limit)))


# Statements of the busiest use-cases are built once: building them per call cost more than
# running them (1.5 ms against 0.2 ms for the vehicle record on the benchmark machine).
_TIME = UTCDateTime()
_STATE_TABLE = QueueStateRow.__table__
_STATE = select(
    _STATE_TABLE.c.version, _STATE_TABLE.c.synced_at, _STATE_TABLE.c.booked_since_live
).where(
    _STATE_TABLE.c.gate_id == bindparam("gate_id"),
    _STATE_TABLE.c.direction == bindparam("direction"),
)
# In INSERT and UPDATE statements, parameters may not be named like the columns they set.
_SAVE_STATE = (
    update(_STATE_TABLE)
    .where(
        _STATE_TABLE.c.gate_id == bindparam("gate"),
        _STATE_TABLE.c.direction == bindparam("way"),
    )
    .values(synced_at=bindparam("synced", type_=_TIME), booked_since_live=bindparam("booked"))
)
# A board further behind than this rebuilds from all rows instead of following the log.
CHANGES_KEPT = 1_000
_CHANGES_TABLE = QueueChangeRow.__table__
_LOG_CHANGE = insert(_CHANGES_TABLE).values(
    gate_id=bindparam("gate"),
    direction=bindparam("way"),
    version=bindparam("version"),
    policy=bindparam("policy"),
    entry_ids=bindparam("ids", type_=_CHANGES_TABLE.c.entry_ids.type),
)
_PRUNE_CHANGES = _CHANGES_TABLE.delete().where(
    _CHANGES_TABLE.c.gate_id == bindparam("gate"),
    _CHANGES_TABLE.c.direction == bindparam("way"),
    _CHANGES_TABLE.c.version <= bindparam("oldest"),
)
_CHANGES_BETWEEN = (
    _CHANGES_TABLE.c.gate_id == bindparam("gate"),
    _CHANGES_TABLE.c.direction == bindparam("way"),
    _CHANGES_TABLE.c.version > bindparam("after"),
    _CHANGES_TABLE.c.version <= bindparam("upto"),
)
_CHANGES = (
    select(_CHANGES_TABLE.c.version, _CHANGES_TABLE.c.policy, _CHANGES_TABLE.c.entry_ids)
    .where(*_CHANGES_BETWEEN)
    .order_by(_CHANGES_TABLE.c.version)
)
_POLICY_CHANGES = select(func.count(), func.max(case((_CHANGES_TABLE.c.policy, 1), else_=0))).where(
    *_CHANGES_BETWEEN
)
_ENTRY = select(QueueEntryRow).where(QueueEntryRow.id == bindparam("id"))
_ENTRIES = select(QueueEntryRow).where(QueueEntryRow.id.in_(bindparam("ids", expanding=True)))
_ENTRIES_TABLE = QueueEntryRow.__table__


def _sql_list(states: tuple[str, ...]) -> str:
    """Constant states as an SQL list, e.g. ('active', 'held')."""
    return "(" + ", ".join(f"'{state}'" for state in states) + ")"


# The statements that call trucks and use their bookings make only the moves the transition
# tables allow: a row in any other state is left as it is.
_CALLABLE = coming_from(ENTRY_TRANSITIONS, "called")
_USABLE = coming_from(BOOKING_TRANSITIONS, "used")
_CALL = (
    update(_ENTRIES_TABLE)
    .where(
        _ENTRIES_TABLE.c.id.in_(bindparam("ids", expanding=True)),
        _ENTRIES_TABLE.c.status.in_(_CALLABLE),
    )
    .values(status="called", called_at=bindparam("at", type_=_TIME), called_lane=bindparam("lane"))
    .returning(*_ENTRIES_TABLE.c)
)
# The same three steps in one round trip: the call is the queue's busiest write.
_CALL_SQL = (
    "WITH called AS ("
    "  UPDATE queue_entries SET status = 'called', called_at = :at, called_lane = :lane"
    f"  WHERE id IN :ids AND status IN {_sql_list(_CALLABLE)} RETURNING *"
    "), used AS ("
    "  UPDATE bookings SET status = 'used'"
    "  WHERE id IN (SELECT booking_id FROM called WHERE booking_id IS NOT NULL)"
    f"  AND status IN {_sql_list(_USABLE)}"
    "), told AS ("
    "  INSERT INTO notices"
    "    (declaration_id, owner_id, plate, kind, text_id, params, message, created_at)"
    "  SELECT declaration_id, owner_id, plate, 'called', :text_id,"
    "    json_strip_nulls(json_build_object('plate', plate, 'lane', CAST(:lane AS text))),"
    "    replace(:message, '{plate}', plate), :at FROM called"
    ") SELECT * FROM called"
)
_CALL_POSTGRESQL = (
    text(_CALL_SQL)
    .bindparams(bindparam("ids", expanding=True), bindparam("at", type_=_TIME))
    .columns(*_ENTRIES_TABLE.c)
)
_BOOKINGS_USED = (
    update(BookingRow.__table__)
    .where(
        BookingRow.__table__.c.id.in_(bindparam("ids", expanding=True)),
        BookingRow.__table__.c.status.in_(_USABLE),
    )
    .values(status="used")
)
_INSERT_NOTICE = insert(NoticeRow.__table__)
_REQUESTS = BookingAttemptRow.__table__
FORGET_REQUESTS_EVERY = 50
_RECORD_REQUEST = text(
    "INSERT INTO booking_attempts (account_id, number, at)"
    " SELECT :account, coalesce(max(number), 0) + 1, :at FROM booking_attempts"
    " WHERE account_id = :account ON CONFLICT DO NOTHING RETURNING number"
).bindparams(bindparam("at", type_=_TIME))
_FORGET_REQUESTS = _REQUESTS.delete().where(
    _REQUESTS.c.account_id == bindparam("account"),
    _REQUESTS.c.number < bindparam("number"),
    _REQUESTS.c.at < bindparam("minute_ago", type_=_TIME),
)
_LIVE = BookingRow.status.in_(LIVE_STATUSES)
_VEHICLE_FACTS = (
    *(
        select(aggregate)
        .where(
            BookingRow.vehicle_key == bindparam("vehicle_key"),
            BookingRow.cancelled_at.between(bindparam("day_ago", type_=_TIME), bindparam("now")),
        )
        .scalar_subquery()
        for aggregate in (func.count(), func.max(BookingRow.cancelled_at))
    ),
    *(
        select(aggregate)
        .where(
            QueueEntryRow.vehicle_key == bindparam("vehicle_key"),
            QueueEntryRow.status == "no_show",
            QueueEntryRow.called_at.between(
                bindparam("no_shows_since", type_=_TIME), bindparam("now")
            ),
        )
        .scalar_subquery()
        for aggregate in (func.count(), func.max(QueueEntryRow.called_at))
    ),
    select(BookingRow.id)
    .where(BookingRow.vehicle_key == bindparam("vehicle_key"), _LIVE)
    .limit(1)
    .scalar_subquery(),
    select(BookingRow.id)
    .where(BookingRow.declaration_id == bindparam("declaration_id"), _LIVE)
    .limit(1)
    .scalar_subquery(),
)


def _request_at(number: Any) -> Any:
    # When the account made request `number` less `per_minute`: the rate limit's blocker.
    return (
        select(_REQUESTS.c.at)
        .where(
            _REQUESTS.c.account_id == bindparam("account_id"),
            _REQUESTS.c.number == number - bindparam("per_minute"),
        )
        .scalar_subquery()
    )


_VEHICLE_RECORD = select(_request_at(bindparam("number")), *_VEHICLE_FACTS)
# The request counted in the same round trip, its number as count_request finds it. The
# blocker is older than every request the statement's snapshot may miss, so it is seen.
_ASKED = (
    postgresql_insert(_REQUESTS)
    .from_select(
        ["account_id", "number", "at"],
        select(
            bindparam("account_id", type_=Integer),
            func.coalesce(func.max(_REQUESTS.c.number), 0) + 1,
            bindparam("now", type_=_TIME),
        ).where(_REQUESTS.c.account_id == bindparam("account_id")),
    )
    .on_conflict_do_nothing()
    .returning(_REQUESTS.c.number)
    .cte("asked")
)
_ASKED_NUMBER = select(_ASKED.c.number).scalar_subquery()
_COUNTED_RECORD_POSTGRESQL = select(_ASKED_NUMBER, _request_at(_ASKED_NUMBER), *_VEHICLE_FACTS)


@lru_cache
def _take_place(insert_for: Callable[..., Any]) -> Executable:
    counts = SlotCountRow.__table__
    return (
        insert_for(counts)
        .values(
            gate_id=bindparam("gate"),
            direction=bindparam("way"),
            slot_start=bindparam("slot", type_=_TIME),
            booked=1,
        )
        .on_conflict_do_update(
            index_elements=[counts.c.gate_id, counts.c.direction, counts.c.slot_start],
            set_={"booked": counts.c.booked + 1},
            where=counts.c.booked < bindparam("quota"),
        )
        .returning(counts.c.booked)
    )


@lru_cache
def _lock_state(insert_for: Callable[..., Any]) -> Executable:
    return (
        insert_for(_STATE_TABLE)
        .values(
            gate_id=bindparam("gate"),
            direction=bindparam("way"),
            version=1,
            booked_since_live=0,
        )
        .on_conflict_do_update(
            index_elements=[_STATE_TABLE.c.gate_id, _STATE_TABLE.c.direction],
            set_={"version": _STATE_TABLE.c.version + 1},
        )
        .returning(
            _STATE_TABLE.c.version, _STATE_TABLE.c.synced_at, _STATE_TABLE.c.booked_since_live
        )
    )


@lru_cache
def _book_postgresql(columns: tuple[str, ...]) -> TextClause:
    # The slot counter and the booking in one round trip: the booking is inserted only when
    # the upsert took a place, and a refused booking rolls the place back with it.
    table = BookingRow.__table__
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in columns)
    return text(
        "WITH place AS ("
        "  INSERT INTO slot_counts (gate_id, direction, slot_start, booked)"
        "  VALUES (:gate_id, :direction, :slot_start, 1)"
        "  ON CONFLICT (gate_id, direction, slot_start)"
        "  DO UPDATE SET booked = slot_counts.booked + 1 WHERE slot_counts.booked < :quota"
        "  RETURNING booked"
        f") INSERT INTO bookings ({names}) SELECT {values} WHERE EXISTS (SELECT 1 FROM place)"
        " RETURNING id"
    ).bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns))


def _own_bookings(query, actor: Actor):  # type: ignore[no-untyped-def]
    # A booking keeps its trip's owner, company and gate: the trip's visibility, no join.
    return query.where(visible(actor.scope, BookingRow))


def _of_visible_trips(query, declaration_id, actor: Actor):  # type: ignore[no-untyped-def]
    # Places in line and notices are visible exactly when their trip is.
    if actor.scope.everything:
        return query
    trip = DeclarationRow
    return query.join(trip, trip.id == declaration_id).where(visible(actor.scope, trip))


def count_request(connection: Connection, account_id: int, at: datetime) -> int:
    """Record a booking request of the account, committed at once, and return its number
    (1, 2, ...): the next after the highest committed. Two requests that took the same number
    meet at the primary key; the later one waits for the earlier to commit and takes the
    next, so number n+1 is only ever committed after n. Now and then the account's requests
    the rate limit no longer looks at (over a minute old) are dropped."""
    values = {"account": account_id, "at": at}
    number = None
    while number is None:
        number = connection.execute(_RECORD_REQUEST, values).scalar()
    if number % FORGET_REQUESTS_EVERY == 0:
        connection.execute(
            _FORGET_REQUESTS, values | {"number": number, "minute_ago": at - RATE_WINDOW}
        )
    return int(number)
