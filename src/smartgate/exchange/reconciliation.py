"""The daily reconciliation of crossings with the other side: every truck over the zero line
that this side saw (its trips' exits) set against what the other side confirmed (its arrival
confirmations of this side's exports, its crossing confirmations of what comes here), and
the manifests it announced that no crossing followed; and the day's totals by gate and
direction as each side counted them (the other side's from its daily statistics).

Two records are one crossing when the other side's names this side's trip (or this side's
names the other's), else when gate, direction and tractor plate agree within the day (or
within N minutes across midnight). A pair whose times differ by more than N minutes is
listed apart. Each record is in one line of the report: a pair on the day this side saw it,
a record alone on its own day.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgate.declarations.plates import plate_key
from smartgate.exchange.model import MIRRORED
from smartgate.exchange.statistics import DAY, exits, gates_asked, tally_trips
from smartgate.exchange.tables import InboxRow, ManifestRow
from smartgate.shared.actor import Actor
from smartgate.shared.clock import SIDE_TZ, as_utc, local_day_start
from smartgate.shared.errors import Forbidden, NotFound
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

Category = Literal["matched", "times_differ", "only_here", "only_there", "no_crossing"]
CATEGORIES: tuple[Category, ...] = (
    "matched", "times_differ", "only_here", "only_there", "no_crossing",
)  # fmt: skip
# What the other side confirms of a crossing, by message type.
CONFIRMATIONS = ("arrival", "crossing")
# How far around the day records are read: a pair may straddle midnight.
AROUND = DAY


@dataclass(frozen=True)
class Sighting:
    """One side's record of a truck over the zero line: the gate, the direction as this side
    names it, the tractor plate, when, the trip's id on the side that saw it and, when the
    record says, the other side's id of the same trip."""

    gate_id: str
    direction: str
    plate: str
    at: datetime
    trip: str
    other_trip: str | None = None


@dataclass(frozen=True)
class Announced:
    """A trip the other side's manifest announced for a gate, with no crossing recorded yet."""

    reference: str
    gate_id: str
    direction: str
    plate: str
    expected_arrival: datetime


@dataclass(frozen=True)
class ReconciliationLine:
    """One line of the report: a crossing both sides saw, one side only saw, or a manifest no
    crossing followed. `trip` is this side's trip id, `reference` the other side's."""

    category: Category
    gate_id: str
    direction: str
    plate: str
    here_at: datetime | None = None
    there_at: datetime | None = None
    minutes_apart: float | None = None
    matched_by: Literal["reference", "plate"] | None = None
    trip: str | None = None
    reference: str | None = None
    there_plate: str | None = None
    expected_arrival: datetime | None = None


@dataclass(frozen=True)
class DayTotals:
    """One gate and direction (this side's naming) on the day: the trucks over the zero line
    and their gross tonnes as this side counted them, and as the other side's daily
    statistics of its own local day of that date say (None until they arrive)."""

    gate_id: str
    direction: str
    trucks_here: int
    tonnes_here: float
    trucks_there: int | None = None
    tonnes_there: float | None = None


@dataclass(frozen=True)
class Reconciliation:
    """The report of one local day (at one gate, or every gate): how many lines of each
    category, the lines, and both sides' totals."""

    day: date
    side: str
    gate_id: str | None
    minutes: int
    counts: dict[str, int]
    lines: list[ReconciliationLine] = field(default_factory=list)
    totals: list[DayTotals] = field(default_factory=list)
    their_statistics: bool = False  # whether the other side's statistics of the day arrived


# --- pure rules -------------------------------------------------------------------------------


def reconcile(
    here: Iterable[Sighting],
    there: Iterable[Sighting],
    announced: Iterable[Announced],
    *,
    start: datetime,
    end: datetime,
    minutes: int,
) -> list[ReconciliationLine]:
    """The report's lines for the day [start, end): pairs by reference, then by plate; the
    records left alone; the announced trips neither side saw cross."""
    here, there = sorted(here, key=_order), sorted(there, key=_order)
    by_reference = _by_reference(here, there)
    taken_here, taken_there = {h for h, _ in by_reference}, {t for _, t in by_reference}
    by_plate = _by_plate(
        [h for h in here if h not in taken_here],
        [t for t in there if t not in taken_there],
        start, end, minutes,
    )  # fmt: skip
    taken_here |= {h for h, _ in by_plate}
    taken_there |= {t for _, t in by_plate}

    def today(moment: datetime) -> bool:
        return start <= moment < end

    lines = [_pair(h, t, "reference", minutes) for h, t in by_reference if today(h.at)]
    lines += [_pair(h, t, "plate", minutes) for h, t in by_plate if today(h.at)]
    lines += [_only_here(h) for h in here if h not in taken_here and today(h.at)]
    lines += [_only_there(t) for t in there if t not in taken_there and today(t.at)]
    lines += [_no_crossing(a) for a in unmet(announced, here, there) if today(a.expected_arrival)]
    return sorted(lines, key=_line_order)


def counts(lines: Iterable[ReconciliationLine]) -> dict[str, int]:
    """How many lines of each category, every category named."""
    found = dict.fromkeys(CATEGORIES, 0)
    for line in lines:
        found[line.category] += 1
    return found


def unmet(
    announced: Iterable[Announced], here: Iterable[Sighting], there: Iterable[Sighting]
) -> list[Announced]:
    """The announced trips that neither a confirmation from the other side (by reference)
    nor a crossing here (by gate, direction and plate) followed."""
    confirmed = {t.trip for t in there}
    arrived = {(h.gate_id, h.direction, plate_key(h.plate)) for h in here}
    return [
        a
        for a in announced
        if a.reference not in confirmed
        and (a.gate_id, a.direction, plate_key(a.plate)) not in arrived
    ]


def side_by_side(
    here: Iterable[dict[str, Any]], there: Iterable[dict[str, Any]] | None
) -> list[DayTotals]:
    """This side's totals (its statistics' `gates`) beside the other side's, whose directions
    are mirrored: its exports are this side's imports. A gate or direction only one side
    counted is there with the other's zero (or None when nothing came from there)."""
    theirs = {
        (t["gate_id"], MIRRORED[t["direction"]]): (t["trucks"], t["tonnes"]) for t in there or ()
    }
    ours = {(h["gate_id"], h["direction"]): (h["trucks"], h["tonnes"]) for h in here}
    not_counted = (None, None) if there is None else (0, 0.0)
    return [
        DayTotals(gate, direction, *ours.get(key, (0, 0.0)), *theirs.get(key, not_counted))
        for key in sorted(ours.keys() | theirs.keys())
        for gate, direction in [key]
    ]


def minutes_between(first: datetime, second: datetime) -> float:
    """How many minutes apart two moments are, either way round."""
    return round(abs((first - second).total_seconds()) / 60, 1)


def _by_reference(here: list[Sighting], there: list[Sighting]) -> list[tuple[Sighting, Sighting]]:
    # A record that names the other side's trip pairs with that trip's record (in the same
    # direction), the first come when two name it.
    here_by_trip = {h.trip: h for h in reversed(here)}
    there_by_trip = {t.trip: t for t in reversed(there)}
    named = [(here_by_trip.get(t.other_trip or ""), t) for t in there]
    named += [(h, there_by_trip.get(h.other_trip or "")) for h in here]
    return _first_come(
        [(h, t) for h, t in named if h is not None and t is not None and h.direction == t.direction]
    )


def _first_come(candidates: list[tuple[Sighting, Sighting]]) -> list[tuple[Sighting, Sighting]]:
    # The candidate pairs in order, each record in the first pair it is in.
    pairs: list[tuple[Sighting, Sighting]] = []
    used_here: set[Sighting] = set()
    used_there: set[Sighting] = set()
    for h, t in candidates:
        if h not in used_here and t not in used_there:
            pairs.append((h, t))
            used_here.add(h)
            used_there.add(t)
    return pairs


def _by_plate(
    here: list[Sighting], there: list[Sighting], start: datetime, end: datetime, minutes: int
) -> list[tuple[Sighting, Sighting]]:
    # Same gate, direction and plate: the closest times pair first. Both in the day, or
    # within N minutes of each other across midnight.
    def eligible(h: Sighting, t: Sighting) -> bool:
        both_today = start <= h.at < end and start <= t.at < end
        return both_today or minutes_between(h.at, t.at) <= minutes

    trucks: dict[tuple[str, str, str], list[Sighting]] = {}
    for h in here:
        trucks.setdefault(_truck(h), []).append(h)
    candidates = (
        (abs(h.at - t.at), _order(h), _order(t), h, t)
        for t in there
        for h in trucks.get(_truck(t), [])
        if eligible(h, t)
    )
    return _first_come([(h, t) for *_, h, t in sorted(candidates, key=lambda c: c[:3])])


def _truck(sighting: Sighting) -> tuple[str, str, str]:
    return sighting.gate_id, sighting.direction, plate_key(sighting.plate)


def _order(sighting: Sighting) -> tuple[datetime, str, str]:
    return sighting.at, sighting.trip, sighting.other_trip or ""


def _pair(
    h: Sighting, t: Sighting, by: Literal["reference", "plate"], minutes: int
) -> ReconciliationLine:
    apart = minutes_between(h.at, t.at)
    category: Category = "matched" if apart <= minutes else "times_differ"
    return ReconciliationLine(
        category, **_where(h), here_at=h.at, there_at=t.at, minutes_apart=apart, matched_by=by,
        trip=h.trip, reference=t.trip, there_plate=t.plate,
    )  # fmt: skip


def _only_here(h: Sighting) -> ReconciliationLine:
    return ReconciliationLine(
        "only_here", **_where(h), here_at=h.at, trip=h.trip, reference=h.other_trip
    )


def _only_there(t: Sighting) -> ReconciliationLine:
    return ReconciliationLine(
        "only_there", **_where(t), there_at=t.at, trip=t.other_trip, reference=t.trip,
        there_plate=t.plate,
    )  # fmt: skip


def _no_crossing(a: Announced) -> ReconciliationLine:
    return ReconciliationLine(
        "no_crossing", **_where(a), reference=a.reference, there_plate=a.plate,
        expected_arrival=a.expected_arrival,
    )  # fmt: skip


def _where(record: Sighting | Announced) -> dict[str, str]:
    return {"gate_id": record.gate_id, "direction": record.direction, "plate": record.plate}


def _line_order(line: ReconciliationLine) -> tuple[int, datetime, str, str]:
    moment = line.here_at or line.there_at or line.expected_arrival
    assert moment is not None
    return CATEGORIES.index(line.category), moment, line.gate_id, line.plate


def confirmation(message_type: str, payload: dict[str, Any]) -> Sighting | None:
    """The other side's arrival or crossing confirmation as a sighting in this side's terms
    (its direction mirrored); None when this version cannot read it."""
    try:
        return Sighting(
            gate_id=str(payload["gate_id"]),
            direction=MIRRORED[payload["direction"]],
            plate=str(payload["tractor_plate"]),
            at=as_utc(datetime.fromisoformat(payload["at"])),
            # An arrival names the other side's trip and this side's (its reference); a
            # crossing names the other side's trip only (its reference).
            trip=str(payload["trip"] if message_type == "arrival" else payload["reference"]),
            other_trip=_text(payload.get("reference")) if message_type == "arrival" else None,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


ROW_COLUMNS = (
    "category", "gate_id", "direction", "plate", "there_plate", "here_at", "there_at",
    "minutes_apart", "matched_by", "expected_arrival", "trip", "reference",
)  # fmt: skip


def as_row(line: ReconciliationLine, tz: tzinfo) -> dict[str, object]:
    """One line as a spreadsheet row, times on this side's clock."""

    def local(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    return {
        "category": line.category, "gate_id": line.gate_id, "direction": line.direction,
        "plate": line.plate, "there_plate": line.there_plate or "",
        "here_at": local(line.here_at), "there_at": local(line.there_at),
        "minutes_apart": "" if line.minutes_apart is None else line.minutes_apart,
        "matched_by": line.matched_by or "", "expected_arrival": local(line.expected_arrival),
        "trip": line.trip or "", "reference": line.reference or "",
    }  # fmt: skip


# --- the use-case -----------------------------------------------------------------------------


def reconciliation(
    *,
    uow: UnitOfWork,
    actor: Actor,
    day: date,
    gate_id: str | None,
    minutes: int,
    side: str,
) -> Reconciliation:
    """The authority's report of one local day (at one gate, or every gate): crossings both
    sides saw, matched or with times more than `minutes` apart; those one side saw; the
    other side's manifests no crossing followed."""
    if actor.role != "authority":
        raise Forbidden(
            Wording("only the border authority reads the reconciliation with the other side")
        )
    gate_id = gate_id or None
    start = local_day_start(day, SIDE_TZ[side])
    end = local_day_start(day + DAY, SIDE_TZ[side])
    with uow.reading():
        if gate_id and uow.registry.gate_name(gate_id) is None:
            raise NotFound(Wording("gate {gate} does not exist", gate=gate_id))
        gate_ids = gates_asked(uow, gate_id)
        crossed = exits(uow, start - AROUND, end + AROUND, gate_ids)
        here = [
            Sighting(trip.gate_id, trip.direction, trip.tractor_plate, at, str(trip.id))
            for trip, at in crossed
        ]
        there = [
            s
            for s in confirmations(uow.session, start - AROUND, end + AROUND)
            if gate_id is None or s.gate_id == gate_id
        ]
        waiting = announced_without_crossing(uow.session, start, end, gate_id)
        their_totals = their_statistics(uow.session, day)
    lines = reconcile(here, there, waiting, start=start, end=end, minutes=minutes)
    our_totals = tally_trips((trip for trip, at in crossed if start <= at < end), gate_ids)
    if their_totals is not None:
        their_totals = [t for t in their_totals if gate_id is None or t["gate_id"] == gate_id]
    return Reconciliation(
        day=day, side=side, gate_id=gate_id, minutes=minutes, counts=counts(lines), lines=lines,
        totals=side_by_side(our_totals, their_totals), their_statistics=their_totals is not None,
    )  # fmt: skip


# --- what the exchange repository lacks -------------------------------------------------------


def confirmations(session: Session, since: datetime, until: datetime) -> list[Sighting]:
    """The other side's arrival and crossing confirmations of crossings in [since, until)
    (a confirmation is written when its truck crossed), those it can read."""
    query = select(InboxRow.type, InboxRow.payload).where(
        InboxRow.type.in_(CONFIRMATIONS),
        InboxRow.status != "rejected",
        InboxRow.created_at >= since,
        InboxRow.created_at < until,
    )
    found = (confirmation(kind, payload) for kind, payload in session.execute(query))
    return [s for s in found if s is not None]


def their_statistics(session: Session, day: date) -> list[dict[str, Any]] | None:
    """The `gates` of the other side's daily statistics of `day` (the latest received, if it
    sent the day twice), or None when none arrived."""
    query = (
        select(InboxRow.payload)
        .where(InboxRow.type == "statistics", InboxRow.status == "applied")
        .order_by(InboxRow.received_at.desc())
    )
    wanted = day.isoformat()
    found = next((p for p in session.scalars(query) if p.get("day") == wanted), None)
    return None if found is None else list(found["gates"])


def announced_without_crossing(
    session: Session, start: datetime, end: datetime, gate_id: str | None
) -> list[Announced]:
    """The trips the other side announced for [start, end) (at one gate), not cancelled,
    that neither crossed there nor arrived here."""
    query = select(ManifestRow).where(
        ManifestRow.status == "announced",
        ManifestRow.crossed_at.is_(None),
        ManifestRow.arrived_at.is_(None),
        ManifestRow.expected_arrival >= start,
        ManifestRow.expected_arrival < end,
    )
    if gate_id:
        query = query.where(ManifestRow.gate_id == gate_id)
    return [
        Announced(m.reference, m.gate_id, m.direction, m.tractor_plate, m.expected_arrival)
        for m in session.scalars(query)
    ]
