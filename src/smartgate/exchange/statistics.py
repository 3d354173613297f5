"""The daily statistics message: the trucks that crossed the zero line on one local day of
this side, and their gross tonnage, by gate and direction — written once per day into the
outbox for every peer, by the CLI or by the server's courier shortly after midnight.

A day is sent once: the check and the write happen under the statistics streams' row locks,
so two server processes (or the CLI beside a server) never send one day twice.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from smartgate.declarations import services as declarations
from smartgate.declarations.schemas import DeclarationRead
from smartgate.exchange.services import tell
from smartgate.exchange.tables import OutboxRow
from smartgate.registry.model import DIRECTIONS
from smartgate.shared.clock import SIDE_TZ, local_day_start
from smartgate.shared.errors import Conflict
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

DAY = timedelta(days=1)
# Sent this long after local midnight: a camera's buffered zero-line reads of the evening
# land first.
SEND_AFTER = timedelta(minutes=30)
STREAM = "statistics"


@dataclass(frozen=True)
class StatisticsSent:
    """What `send_statistics` did: the day's figures, and for how many peers they were
    written now (0 when no peer is registered, or when the day was sent before)."""

    payload: dict[str, Any]
    peers: int
    sent_before: bool


# --- pure rules -------------------------------------------------------------------------------


def yesterday(side: str, now: datetime) -> date:
    """The day before today on this side's clock."""
    return now.astimezone(SIDE_TZ[side]).date() - DAY


def due_day(side: str, now: datetime) -> date:
    """The last local day whose statistics are due at `now` (yesterday, once past
    `SEND_AFTER` into today)."""
    return yesterday(side, now - SEND_AFTER)


def tally(
    crossed: Iterable[tuple[str, str, float]], gate_ids: Iterable[str]
) -> list[dict[str, Any]]:
    """Trucks and gross tonnes by gate and direction from (gate, direction, gross kg) per
    truck; every gate and direction appears, a quiet one with zeros."""
    totals = {(gate, direction): [0, 0.0] for gate in gate_ids for direction in DIRECTIONS}
    for gate, direction, kg in crossed:
        total = totals.setdefault((gate, direction), [0, 0.0])
        total[0] += 1
        total[1] += kg
    return [
        {"gate_id": gate, "direction": direction, "trucks": trucks, "tonnes": round(kg / 1000, 3)}
        for (gate, direction), (trucks, kg) in sorted(totals.items())
    ]


def tally_trips(trips: Iterable[DeclarationRead], gate_ids: Iterable[str]) -> list[dict[str, Any]]:
    """`tally` of the trips that crossed, each weighing its goods' gross kg."""
    weighed = ((t.gate_id, t.direction, sum(line.gross_kg for line in t.goods)) for t in trips)
    return tally(weighed, gate_ids)


# --- use-cases --------------------------------------------------------------------------------


def gates_asked(uow: UnitOfWork, gate_id: str | None) -> list[str]:
    """The gate asked for, or every gate when none is."""
    return [gate_id] if gate_id else [gate.id for gate in uow.registry.list_gates()]


def exits(
    uow: UnitOfWork, since: datetime, until: datetime, gate_ids: Iterable[str]
) -> list[tuple[DeclarationRead, datetime]]:
    """The trips that crossed the zero line in [since, until) at these gates, with when, in
    the open unit of work."""
    crossed = [hit for gate in gate_ids for hit in uow.operations.exits_between(gate, since, until)]
    trips = {t.id: t for t in declarations.trips(uow=uow, declaration_ids=[i for i, _ in crossed])}
    return [(trips[trip_id], at) for trip_id, at in crossed if trip_id in trips]


def statistics_of(uow: UnitOfWork, day: date, side: str) -> dict[str, Any]:
    """The statistics message of one local day, in the open unit of work."""
    start = local_day_start(day, SIDE_TZ[side])
    gate_ids = gates_asked(uow, None)
    crossed = exits(uow, start, local_day_start(day + DAY, SIDE_TZ[side]), gate_ids)
    gates = tally_trips((trip for trip, _ in crossed), gate_ids)
    return {"day": day.isoformat(), "side": side, "gates": gates}


def send_statistics(*, uow: UnitOfWork, day: date, side: str, now: datetime) -> StatisticsSent:
    """Write one local day's statistics into the outbox for every peer, unless that day was
    sent before; a day not over yet is refused."""
    end = local_day_start(day + DAY, SIDE_TZ[side])
    if end > now:
        raise Conflict(Wording("the day {day} is not over yet on this side", day=day.isoformat()))
    with uow:
        peer_ids = uow.exchange.peer_ids()
        for peer_id in peer_ids:  # one sender of a day at a time
            uow.exchange.stream_for_update(peer_id, "out", STREAM)
        sent = sent_payload(uow.session, day, since=end)
        if sent is not None:
            return StatisticsSent(payload=sent, peers=0, sent_before=True)
        payload = statistics_of(uow, day, side)
        tell(uow, [(STREAM, payload, now)])
        uow.commit()
        return StatisticsSent(payload=payload, peers=len(peer_ids), sent_before=False)


def send_daily_statistics_if_due(
    session_factory: sessionmaker, side: str, now: datetime, done: date | None = None
) -> date:
    """Send the last finished day's statistics if no process sent them yet; the day now
    settled. Called on every pass of the courier with the day it returned last time, it
    touches the database once a day."""
    day = due_day(side, now)
    if day != done:
        send_statistics(uow=UnitOfWork(session_factory), day=day, side=side, now=now)
    return day


# --- what the exchange repository lacks -------------------------------------------------------


def sent_payload(session: Session, day: date, *, since: datetime) -> dict[str, Any] | None:
    """The statistics message of `day` written since `since` (a day's message is written
    after it ends), or None."""
    query = select(OutboxRow.payload).where(OutboxRow.type == STREAM, OutboxRow.created_at >= since)
    wanted = day.isoformat()
    return next((p for p in session.scalars(query) if p.get("day") == wanted), None)
