"""Exchange use-cases: register peers; write what this side tells the other into the outbox,
in the transaction of the change that causes it; take the other side's envelopes into the
inbox, each applied once and in its stream's order; and read how the link stands.

Delivery (the courier, `exchange.delivery`) is at least once; processing here is exactly
once: a message id is stored once, under its stream's row lock, and applied when every
predecessor has been.
"""

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from smartgate.declarations import services as declarations
from smartgate.declarations.model import TripsDeclared
from smartgate.declarations.schemas import DeclarationRead
from smartgate.exchange import keys
from smartgate.exchange import model as exchange
from smartgate.exchange.schemas import (
    PAYLOADS,
    CapacityPayload,
    CrossingPayload,
    EnvelopeIn,
    ExchangeStatus,
    ManifestPayload,
    ManifestRead,
    MessageRead,
    PeerCreate,
    PeerRead,
    PeerStatus,
    PeerUpdate,
    Receipt,
)
from smartgate.exchange.tables import InboxRow, ManifestRow, OutboxRow, PeerRow, RefusalRow
from smartgate.policy import services as policy
from smartgate.policy.model import CapacityDeclared
from smartgate.policy.schemas import CapacityIn
from smartgate.shared.actor import Actor
from smartgate.shared.audit import Changed
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    Unsigned,
)
from smartgate.shared.lifecycle import TripMoved
from smartgate.shared.validation import ValidationFailed, field_errors
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

# Set when this process writes to the outbox: its courier wakes at once rather than at its
# next look (messages written by another process wait for that look).
outbox_written = threading.Event()
log = logging.getLogger("smartgate.exchange")
MAX_BATCH = 500  # envelopes in one request to the inbox
KEPT_REFUSALS = 1000  # the refusal log keeps the latest


# --- peers ----------------------------------------------------------------------------


def add_peer(
    *, uow: UnitOfWork, data: PeerCreate, now: datetime | None = None, by: str = "administrator"
) -> PeerRead:
    """Register the other side's instance: its name, address and public key."""
    _check_key(data.public_key)
    now = now or utcnow()
    with uow:
        if uow.exchange.peer_named(data.name) is not None:
            raise Conflict(Wording("a peer called {name} is registered already", name=data.name))
        _refuse_key_of_another(uow, data.public_key, None)
        row = PeerRow(
            name=data.name,
            url=str(data.url).rstrip("/"),
            public_key=data.public_key.strip(),
            created_at=now,
            failures=0,
        )
        uow.exchange.add_peer(row)
        uow.session.flush()
        read = PeerRead.model_validate(row)
        _peer_changed(uow, read, "peer.added", by, now, None)
        uow.commit()
        return read


def update_peer(
    *, uow: UnitOfWork, name: str, data: PeerUpdate, by: str = "administrator"
) -> PeerRead:
    """Give a peer its new address or public key. Delivery to it is tried again at once: the
    failures behind it were the old address's."""
    if data.url is None and data.public_key is None:
        raise ValidationFailed([FieldError("url", Wording("give a new url or public key"))])
    if data.public_key is not None:
        _check_key(data.public_key)
    now = utcnow()
    with uow:
        row = uow.exchange.peer_named(name)
        if row is None:
            raise NotFound(Wording("no peer called {name} is registered", name=name))
        before = PeerRead.model_validate(row)
        if data.public_key is not None:
            _refuse_key_of_another(uow, data.public_key, row.id)
            row.public_key = data.public_key.strip()
        if data.url is not None:
            row.url = str(data.url).rstrip("/")
        row.failures, row.next_attempt_at, row.last_error = 0, None, None
        uow.session.flush()
        read = PeerRead.model_validate(row)
        _peer_changed(uow, read, "peer.updated", by, now, before)
        uow.commit()
        outbox_written.set()  # what waited for the old address goes to the new one now
        return read


def _check_key(public_key: str) -> None:
    if keys.parse_public(public_key) is None:
        raise ValidationFailed(
            [FieldError("public_key", Wording("is not an Ed25519 public key (base64 of 32 bytes)"))]
        )


def _refuse_key_of_another(uow: UnitOfWork, public_key: str, peer_id: int | None) -> None:
    # One key, one sender: the inbox tells peers apart by the key that signed.
    holder = uow.exchange.peer_with_key(public_key.strip())
    if holder is not None and holder.id != peer_id:
        raise Conflict(Wording("another peer has this public key already"))


def _peer_changed(
    uow: UnitOfWork, read: PeerRead, action: str, by: str, now: datetime, before: PeerRead | None
) -> None:
    # Whose signatures this instance believes is a policy of its own: the log keeps who
    # changed it and what it was.
    uow.publish(
        Changed(
            "peer", read.name, action, by, now,
            before=_peer_fields(before), after=_peer_fields(read),
        )
    )  # fmt: skip


def _peer_fields(peer: PeerRead | None) -> dict[str, str] | None:
    return None if peer is None else {"url": peer.url, "public_key": peer.public_key}


def peers(*, uow: UnitOfWork) -> list[PeerRead]:
    """Every registered peer."""
    with uow.reading():
        return [PeerRead.model_validate(row) for row in uow.exchange.peers()]


# --- what this side tells the other: handlers, in the unit of work of the change ----------


def announce_capacity(uow: UnitOfWork, events: list[CapacityDeclared]) -> None:
    """This side's own capacity declarations, as the other side's figure for it."""
    tell(
        uow,
        [("capacity", {"gate_id": e.gate_id} | e.announce, e.at) for e in events if e.announce],
    )


def announce_suspensions(uow: UnitOfWork, events: list[Changed]) -> None:
    """Suspensions set or lifted here, for the other side's authority to read."""
    tell(
        uow,
        [
            ("suspension", {"action": e.action.removeprefix("suspension.")} | e.after, e.at)
            for e in events
            if e.subject == "suspension"
        ],
    )


def announce_trips(uow: UnitOfWork, events: list[TripsDeclared]) -> None:
    """A pre-arrival manifest for each trip towards the other side, a new version for each
    change (a cancellation too)."""
    if not uow.exchange.peer_ids():
        return
    ids = [trip for event in events for trip in event.declaration_ids]
    trips = declarations.trips(uow=uow, declaration_ids=ids)
    tell(
        uow,
        [
            ("manifest", manifest_of(trip), trip.updated_at)
            for trip in trips
            if trip.direction == "export"
        ],
    )


def announce_steps(uow: UnitOfWork, events: list[TripMoved]) -> None:
    """A trip over the zero line: a crossing confirmation when it left for the other side, an
    arrival confirmation (naming the other side's manifest) when it came from it. A trip
    towards the other side that was rejected here: its manifest's last version, cancelled."""
    moved = {e.declaration_id: e for e in events if e.target in ("exited", "rejected")}
    if not moved or not uow.exchange.peer_ids():
        return
    messages: list[tuple[str, dict[str, Any], datetime]] = []
    for trip in declarations.trips(uow=uow, declaration_ids=list(moved)):
        at = moved[trip.id].at
        if moved[trip.id].target == "rejected":
            if trip.direction == "export":
                # Rejected is final: no amendment will ever take the next version number.
                last = manifest_of(trip) | {"version": trip.version + 1, "status": "cancelled"}
                messages.append(("manifest", last, at))
        elif trip.direction == "export":
            messages.append(("crossing", _crossing_of(trip, at), at))
        else:
            messages.append(("arrival", _arrival_of(uow, trip, at), at))
    tell(uow, messages)


def _arrival_of(uow: UnitOfWork, trip: DeclarationRead, at: datetime) -> dict[str, Any]:
    # The other side's manifest of this truck: by its tractor or trailer (a tractor swap
    # changes the tractor), the one expected nearest to now.
    plates = {trip.tractor_plate, trip.trailer_plate} - {None}
    candidates = uow.exchange.announced_for(trip.gate_id, plates)  # type: ignore[arg-type]
    announced = min(
        candidates, key=lambda m: abs((m.expected_arrival - at).total_seconds()), default=None
    )
    if announced is not None:
        announced.arrived_at = at
    reference = announced.reference if announced is not None else None
    return _crossing_of(trip, at) | {"reference": reference, "trip": str(trip.id)}


def manifest_of(trip: DeclarationRead) -> dict[str, Any]:
    """What the other side's customs needs ahead of a trip's arrival (docs/exchange.md
    names the WCO Data Model element behind each field)."""
    flags = sorted({flag for line in trip.goods for flag in _flags(line.model_dump()) if flag})
    return {
        "reference": str(trip.id),
        "version": trip.version,
        "status": "cancelled" if trip.status == "cancelled" else "announced",
        "gate_id": trip.gate_id,
        "direction": trip.direction,
        "expected_arrival": trip.expected_arrival.isoformat(),
        "tractor_plate": trip.tractor_plate,
        "trailer_plate": trip.trailer_plate,
        "delivery_mode": trip.delivery_mode,
        "driver": {"name": trip.driver_name},
        "containers": list(trip.containers),
        "goods": [
            {
                "line_no": line.line_no,
                "hs_code": line.hs_code,
                "description": line.description,
                "gross_kg": line.gross_kg,
                "value": line.value,
                "currency": line.currency,
                "flags": _flags(line.model_dump()),
            }
            for line in trip.goods
        ],
        "flags": flags,
    }


def _flags(line: dict[str, Any]) -> list[str]:
    return [flag for flag in ("perishable", "cold_chain", "production_input") if line.get(flag)]


def _crossing_of(trip: DeclarationRead, at: datetime) -> dict[str, Any]:
    return {
        "reference": str(trip.id),
        "gate_id": trip.gate_id,
        "direction": trip.direction,
        "at": at.isoformat(),
        "tractor_plate": trip.tractor_plate,
        "trailer_plate": trip.trailer_plate,
    }


def tell(uow: UnitOfWork, messages: list[tuple[str, dict[str, Any], datetime]]) -> None:
    """Write messages (type, payload, when) for every peer, in the open unit of work."""
    # Each peer gets each message, numbered in its stream under the stream's row lock. The
    # numbers are taken last in the transaction, after every other handler: the lock is held
    # for the shortest time, and no transaction holding it waits for another lock.
    if messages:
        uow.last_before_commit(lambda: _write_outbox(uow, messages))


def _write_outbox(uow: UnitOfWork, messages: list[tuple[str, dict[str, Any], datetime]]) -> None:
    rows = []
    streams = sorted({exchange.STREAM_OF[message_type] for message_type, _, _ in messages})
    for peer_id in uow.exchange.peer_ids():
        # Locked in one order by every transaction: two never wait for each other.
        counters = {s: uow.exchange.stream_for_update(peer_id, "out", s) for s in streams}
        for message_type, payload, at in messages:
            counter = counters[exchange.STREAM_OF[message_type]]
            counter.last_seq += 1
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "peer_id": peer_id,
                    "stream": counter.stream,
                    "seq": counter.last_seq,
                    "type": message_type,
                    "version": exchange.SCHEMA_VERSION,
                    "payload": payload,
                    "created_at": at,
                    "status": "pending",
                    "attempts": 0,
                }
            )
    if rows:
        uow.session.flush()
        uow.exchange.add_outgoing(rows)
        uow.after_commit(outbox_written.set)


# --- the inbox ------------------------------------------------------------------------


def receive(
    *,
    uow: UnitOfWork,
    envelopes: list[dict[str, Any]],
    own_key: str,
    own_side: str,
    address: str | None = None,
    now: datetime | None = None,
) -> list[Receipt]:
    """Take a peer's envelopes: every one must be well formed, signed by a registered peer's
    key, addressed to this instance and fresh, else nothing is taken (401, logged); then each
    is stored once and applied in its stream's order, in one transaction."""
    now = now or utcnow()
    parsed = _parsed(envelopes)
    # Checked before any write: a stranger's envelopes never hold the write lock.
    with uow.reading():
        peers = {e.sender: uow.exchange.peer_with_key(e.sender) for e in parsed}
        faults = [
            _fault(raw, e, peers[e.sender], own_key, now)
            for raw, e in zip(envelopes, parsed, strict=True)
        ]
    refused = next(((e, f) for e, f in zip(parsed, faults, strict=True) if f), None)
    if refused is not None:
        _log_refusal(uow, refused[0], refused[1], address, now)
        # One answer for every refusal: a stranger learns nothing of which keys are known.
        raise Unsigned(
            Wording(
                "envelope refused: not signed by a registered peer for this instance, or expired"
            )
        )
    with uow:
        accepted = [(uow.exchange.peer_with_key(e.sender), e) for e in parsed]
        streams: dict[tuple[int, str], list[EnvelopeIn]] = {}
        for peer, envelope in accepted:
            streams.setdefault((peer.id, envelope.stream), []).append(envelope)
        # Every stream of the batch locked first, in one order: two batches never deadlock.
        for peer_id, stream in sorted(streams):
            uow.exchange.stream_for_update(peer_id, "in", stream)
        seen = uow.exchange.received_ids([e.id for e in parsed])
        peers = {peer.id: peer for peer, _ in accepted}
        receipts: dict[uuid.UUID, Receipt] = {}
        for (peer_id, stream), group in streams.items():
            receipts |= _take_stream(uow, peers[peer_id], stream, group, seen, own_side, now)
        for peer in peers.values():
            peer.last_contact_at = now
        uow.commit()
        return [receipts[e.id] for e in parsed]


def _log_refusal(
    uow: UnitOfWork, envelope: EnvelopeIn, fault: str, address: str | None, now: datetime
) -> None:
    # The log keeps the latest refusals only: a flood of them cannot fill the disk.
    with uow:
        uow.exchange.add_refusal(
            RefusalRow(
                at=now, reason=fault, sender=envelope.sender[:60], message_id=str(envelope.id),
                address=address,
            )
        )  # fmt: skip
        uow.exchange.keep_latest_refusals(KEPT_REFUSALS)
        uow.commit()
    log.warning("exchange: refused envelope %s from %s: %s", envelope.id, address, fault)


def _parsed(envelopes: list[dict[str, Any]]) -> list[EnvelopeIn]:
    found: list[EnvelopeIn] = []
    faults: list[FieldError] = []
    if len(envelopes) > MAX_BATCH:
        raise ValidationFailed(
            [FieldError("body", Wording("at most {n} envelopes at once", n=MAX_BATCH))]
        )
    for index, raw in enumerate(envelopes):
        try:
            found.append(EnvelopeIn.model_validate(raw))
        except ValidationError as exc:
            prefix = f"{index}." if len(envelopes) > 1 else ""
            faults += [
                replace(error, field=prefix + error.field) for error in field_errors(exc.errors())
            ]
    if faults:
        raise ValidationFailed(faults)
    if len({e.id for e in found}) < len(found):
        raise ValidationFailed([FieldError("body", Wording("an envelope id appears twice"))])
    return found


def _fault(
    raw: dict[str, Any], envelope: EnvelopeIn, peer: PeerRow | None, own_key: str, now: datetime
) -> str | None:
    # Why an envelope is not believed, or None.
    if peer is None:
        return "unknown sender: no peer is registered with this public key"
    public = keys.parse_public(peer.public_key)
    if public is None or not keys.signed_by(raw, public):
        return "bad signature: the envelope was changed after signing, or signed by another key"
    if envelope.recipient != own_key:
        return "not addressed to this instance's key"
    return exchange.age_fault(envelope.sent_at, now)


def _take_stream(
    uow: UnitOfWork,
    peer: PeerRow,
    name: str,
    envelopes: list[EnvelopeIn],
    seen: set[uuid.UUID],
    own_side: str,
    now: datetime,
) -> dict[uuid.UUID, Receipt]:
    # Under the stream's lock, a batch's envelopes of one stream together: a repeat changes
    # nothing; the new ones are stored, and every message whose predecessors have all come
    # applies, in order (releasing held ones that follow).
    stream = uow.exchange.stream_for_update(peer.id, "in", name)
    held = uow.exchange.held(peer.id, name)
    receipts: dict[uuid.UUID, Receipt] = {}
    new: list[InboxRow] = []
    for envelope in envelopes:
        if envelope.id in seen:
            receipts[envelope.id] = Receipt(id=envelope.id, status="duplicate")
        elif envelope.seq <= stream.last_seq or envelope.seq in held:
            error = f"sequence {envelope.seq} of stream {name} is taken already"
            receipts[envelope.id] = Receipt(id=envelope.id, status="rejected", error=error)
        else:
            row = InboxRow(
                id=envelope.id, peer_id=peer.id, stream=name, seq=envelope.seq,
                type=envelope.type, version=envelope.version, payload=envelope.payload,
                created_at=envelope.created_at, sent_at=envelope.sent_at, received_at=now,
                status="held",
            )  # fmt: skip
            held[row.seq] = row
            new.append(row)
    uow.exchange.add_incoming(new)
    ready = [held[seq] for seq in exchange.ready_in_order(stream.last_seq, held)]
    _apply_all(uow, peer, ready, own_side, now)
    if ready:
        stream.last_seq = ready[-1].seq
    for row in new:
        gap = exchange.gaps(stream.last_seq, held)[0] if row.status == "held" else None
        receipts[row.id] = Receipt(
            id=row.id,
            status=row.status,
            error=row.error,
            gap=list(gap) if gap else None,  # type: ignore[arg-type]
        )
    return receipts


def _apply_all(
    uow: UnitOfWork, peer: PeerRow, rows: list[InboxRow], own_side: str, now: datetime
) -> None:
    # Usually every message applies: all of them in one savepoint, the manifests they name
    # read at once. When one does not, each again in a savepoint of its own, so that one is
    # rejected alone.
    if not rows:
        return
    references = [str(r.payload.get("reference")) for r in rows if r.payload.get("reference")]
    try:
        with uow.exchange.manifests_at_hand(peer.id, references), uow.savepoint():
            for row in rows:
                APPLY[row.type](uow, peer, _checked_payload(row), own_side, now)
    except APPLY_ERRORS:
        for row in rows:
            _apply(uow, peer, row, own_side, now)
        return
    for row in rows:
        row.status, row.applied_at = "applied", now


def _checked_payload(row: InboxRow) -> Any:
    # The payload as its type and schema version say it must be, or an error saying why not.
    if row.version > exchange.SCHEMA_VERSION:
        raise ValueError(f"schema version {row.version} is newer than this instance knows")
    if exchange.STREAM_OF[row.type] != row.stream:
        raise ValueError(f"a {row.type} message belongs to stream {exchange.STREAM_OF[row.type]}")
    return PAYLOADS[row.type].model_validate(row.payload)


def _apply(uow: UnitOfWork, peer: PeerRow, row: InboxRow, own_side: str, now: datetime) -> None:
    # A message that cannot apply (a schema this side does not know, an unknown gate, a
    # figure for this side, a field out of bounds) is rejected with its reason and the
    # stream goes on: retrying it would never succeed. Whatever it wrote is undone.
    try:
        payload = _checked_payload(row)
        with uow.savepoint():
            APPLY[row.type](uow, peer, payload, own_side, now)
        row.status, row.applied_at = "applied", now
    except APPLY_ERRORS as exc:
        row.status, row.error = "rejected", f"{type(exc).__name__}: {exc}"[:300]


APPLY_ERRORS = (DomainError, ValidationError, SQLAlchemyError, LookupError, TypeError, ValueError)


def _apply_capacity(
    uow: UnitOfWork, peer: PeerRow, payload: CapacityPayload, own_side: str, now: datetime
) -> None:
    if payload.side == own_side:
        raise Forbidden(Wording("the other side cannot declare this side's capacity"))
    if payload.day is not None:
        policy.check_date(payload.day, "day", now)
    # The sender's export is this side's import.
    data = CapacityIn.model_validate(
        payload.model_dump(include=set(CapacityIn.model_fields))
        | {"direction": exchange.MIRRORED[payload.direction]}
    )
    by = Actor(0, f"{policy.PEER_PREFIX}{peer.name}", "peer")
    policy.record_capacity(uow, payload.gate_id, data, side=payload.side, by=by, now=now)


def _apply_manifest(
    uow: UnitOfWork, peer: PeerRow, payload: ManifestPayload, own_side: str, now: datetime
) -> None:
    row = uow.exchange.manifest(peer.id, payload.reference)
    if row is None:
        row = ManifestRow(peer_id=peer.id, reference=payload.reference, version=0)
    elif payload.version <= row.version:  # an older version than the one here changes nothing
        return
    row.version = payload.version
    row.status = payload.status
    row.gate_id = payload.gate_id
    row.direction = exchange.MIRRORED[payload.direction]
    row.expected_arrival = payload.expected_arrival
    row.tractor_plate = payload.tractor_plate
    row.trailer_plate = payload.trailer_plate
    row.document = payload.model_dump(mode="json")
    row.received_at = now
    uow.exchange.add_manifest(row)


def _apply_crossing(
    uow: UnitOfWork, peer: PeerRow, payload: CrossingPayload, own_side: str, now: datetime
) -> None:
    row = uow.exchange.manifest(peer.id, payload.reference or "")
    if row is not None:
        row.crossed_at = payload.at


def _kept(uow: UnitOfWork, peer: PeerRow, payload: Any, own_side: str, now: datetime) -> None:
    # Read where it is shown (suspension notices, statistics, arrival confirmations): the
    # inbox row is the record.
    return None


APPLY: dict[str, Callable[[UnitOfWork, PeerRow, Any, str, datetime], None]] = {
    "capacity": _apply_capacity,
    "manifest": _apply_manifest,
    "crossing": _apply_crossing,
    "arrival": _kept,
    "suspension": _kept,
    "statistics": _kept,
}


# --- what the authority reads ---------------------------------------------------------


def messages(
    *,
    uow: UnitOfWork,
    actor: Actor,
    direction: str | None = None,
    message_type: str | None = None,
    limit: int = 200,
) -> list[MessageRead]:
    """The latest messages sent and received (one direction, one type, or all)."""
    _ensure_authority(actor)
    with uow.reading():
        names = {peer.id: peer.name for peer in uow.exchange.peers()}
        found: list[MessageRead] = []
        if direction in (None, "out"):
            found += [
                _message(
                    row,
                    "out",
                    names,
                    row.delivered_at,
                    row.outcome if row.status == "failed" else None,
                )
                for row in uow.exchange.outgoing(message_type, limit)
            ]
        if direction in (None, "in"):
            found += [
                _message(row, "in", names, row.received_at, row.error)
                for row in uow.exchange.incoming(message_type, limit)
            ]
        return sorted(found, key=lambda m: m.created_at, reverse=True)[:limit]


def _message(
    row: OutboxRow | InboxRow,
    direction: str,
    names: dict[int, str],
    received_at: datetime | None,
    error: str | None,
) -> MessageRead:
    return MessageRead(
        id=row.id, direction=direction, peer=names.get(row.peer_id, "?"), type=row.type,  # type: ignore[arg-type]
        stream=row.stream, seq=row.seq, status=row.status, created_at=row.created_at,
        sent_at=row.sent_at, received_at=received_at, payload=row.payload, error=error,
    )  # fmt: skip


def manifests(
    *, uow: UnitOfWork, actor: Actor, gate_id: str | None, limit: int = 500
) -> list[ManifestRead]:
    """The trips the other side announced (at one gate): the authority sees every gate's, an
    operator their own gate's."""
    if actor.role != "authority" and not (gate_id and actor.runs(gate_id)):
        raise Forbidden(
            Wording("only the authority, or an operator of the gate, reads announced trips")
        )
    with uow.reading():
        names = {peer.id: peer.name for peer in uow.exchange.peers()}
        return [
            ManifestRead(
                peer=names.get(row.peer_id, "?"),
                reference=row.reference,
                version=row.version,
                status=row.status,
                gate_id=row.gate_id,
                direction=row.direction,  # type: ignore[arg-type]
                expected_arrival=row.expected_arrival,
                tractor_plate=row.tractor_plate,
                trailer_plate=row.trailer_plate,
                received_at=row.received_at,
                crossed_at=row.crossed_at,
                manifest=row.document,
            )  # fmt: skip
            for row in uow.exchange.manifests(gate_id, limit)
        ]


def status(
    *, uow: UnitOfWork, actor: Actor | None, own_side: str, public_key: str | None
) -> ExchangeStatus:
    """How the link to each peer stands: pending (and since when), delivered, failed, what
    came in, the last contact, and the gaps holding incoming messages back. `actor` None is
    the instance's administrator at its CLI."""
    if actor is not None:
        _ensure_authority(actor)
    with uow.reading():
        counts = _Counts(
            out=uow.exchange.outbox_counts(),
            into=uow.exchange.inbox_counts(),
            held=uow.exchange.held_seqs(),
            applied={(s.peer_id, s.stream): s.last_seq for s in uow.exchange.streams_in()},
        )
        found = [_peer_status(peer, counts) for peer in uow.exchange.peers()]
        refusals = [
            {"at": r.at, "reason": r.reason, "sender": r.sender, "message_id": r.message_id,
             "address": r.address}
            for r in uow.exchange.refusals(20)
        ]  # fmt: skip
        return ExchangeStatus(side=own_side, public_key=public_key, peers=found, refusals=refusals)


@dataclass(frozen=True)
class _Counts:
    out: dict[tuple[int, str], tuple[int, datetime | None]]
    into: dict[tuple[int, str], tuple[int, datetime | None]]
    held: dict[tuple[int, str], list[int]]
    applied: dict[tuple[int, str], int]


def _peer_status(peer: PeerRow, counts: _Counts) -> PeerStatus:
    def count(table: dict[tuple[int, str], tuple[int, datetime | None]], state: str) -> int:
        return table.get((peer.id, state), (0, None))[0]

    received = [value for (p, _), value in counts.into.items() if p == peer.id]
    gaps = {
        stream: [list(gap) for gap in exchange.gaps(counts.applied.get((p, stream), 0), seqs)]
        for (p, stream), seqs in counts.held.items()
        if p == peer.id
    }
    return PeerStatus(
        name=peer.name,
        url=peer.url,
        pending=count(counts.out, "pending"),
        delivered=count(counts.out, "delivered"),
        failed=count(counts.out, "failed"),
        oldest_pending_at=counts.out.get((peer.id, "pending"), (0, None))[1],
        received=sum(n for n, _ in received),
        held=count(counts.into, "held"),
        rejected=count(counts.into, "rejected"),
        last_received_at=max((at for _, at in received if at), default=None),
        last_contact_at=peer.last_contact_at,
        last_error=peer.last_error,
        next_attempt_at=peer.next_attempt_at,
        gaps=gaps,
    )


def _ensure_authority(actor: Actor) -> None:
    if actor.role != "authority":
        raise Forbidden(Wording("only the border authority reads the exchange with the other side"))
