"""The only place that queries exchange tables."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from smartgate.db import dialect_insert
from smartgate.exchange.tables import (
    InboxRow,
    ManifestRow,
    OutboxRow,
    PeerRow,
    RefusalRow,
    StreamRow,
)


class ExchangeRepository:
    """Peers, streams, outbox, inbox, refusals and announced manifests."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- peers ------------------------------------------------------------------------

    def peers(self) -> list[PeerRow]:
        """Every registered peer, by name."""
        return list(self.session.scalars(select(PeerRow).order_by(PeerRow.name)))

    def peer_ids(self) -> list[int]:
        """The ids of every peer (an outgoing message goes to each)."""
        return list(self.session.scalars(select(PeerRow.id).order_by(PeerRow.id)))

    def peer_named(self, name: str) -> PeerRow | None:
        """The peer called `name`, or None."""
        return self.session.scalar(select(PeerRow).where(PeerRow.name == name))

    def peer_with_key(self, public_key: str) -> PeerRow | None:
        """The peer whose envelopes `public_key` signs, or None."""
        return self.session.scalar(select(PeerRow).where(PeerRow.public_key == public_key))

    def add_peer(self, row: PeerRow) -> None:
        """Register a peer."""
        self.session.add(row)

    def take_sender_lease(
        self, peer_id: int, holder: str, now: datetime, until: datetime, *, due_only: bool
    ) -> bool:
        """Become the one process delivering to a peer until `until` (already holding it, or
        the last holder's time ran out); with `due_only`, only once its back-off has passed."""
        conditions = [
            PeerRow.id == peer_id,
            or_(
                PeerRow.sender_lease.is_(None),
                PeerRow.sender_lease == holder,
                PeerRow.sender_lease_until < now,
            ),
        ]
        if due_only:
            conditions.append(
                or_(PeerRow.next_attempt_at.is_(None), PeerRow.next_attempt_at <= now)
            )
        taken = self.session.execute(
            update(PeerRow)
            .where(*conditions)
            .values(sender_lease=holder, sender_lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return bool(taken.rowcount)

    def release_sender_lease(self, peer_id: int, holder: str) -> None:
        """Stop delivering to a peer, if `holder` was."""
        self.session.execute(
            update(PeerRow)
            .where(PeerRow.id == peer_id, PeerRow.sender_lease == holder)
            .values(sender_lease=None, sender_lease_until=None)
            .execution_options(synchronize_session=False)
        )

    def count_failure(self, peer_id: int) -> int:
        """One more failed delivery in a row to a peer; how many now."""
        peer = self.session.get(PeerRow, peer_id, with_for_update=True)
        assert peer is not None
        peer.failures = (peer.failures or 0) + 1
        return peer.failures

    def record_contact(
        self,
        peer_id: int,
        contact_at: datetime | None,
        *,
        error: str | None,
        next_attempt_at: datetime | None,
    ) -> None:
        """What the last delivery to a peer found: it answered (at `contact_at`, failures
        reset), or why not and when to try again."""
        values: dict[str, Any] = {"last_error": error, "next_attempt_at": next_attempt_at}
        if contact_at is not None:
            values |= {"last_contact_at": contact_at, "failures": 0}
        self.session.execute(
            update(PeerRow)
            .where(PeerRow.id == peer_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    # --- streams ----------------------------------------------------------------------

    def stream_for_update(self, peer_id: int, direction: str, stream: str) -> StreamRow:
        """A stream's counter, locked until commit (made at 0 the first time)."""
        self.session.execute(
            dialect_insert(self.session)(StreamRow)
            .values(peer_id=peer_id, direction=direction, stream=stream, last_seq=0)
            .on_conflict_do_nothing()
        )
        query = select(StreamRow).where(
            StreamRow.peer_id == peer_id,
            StreamRow.direction == direction,
            StreamRow.stream == stream,
        )
        return self.session.scalars(query.with_for_update()).one()

    def streams_in(self) -> list[StreamRow]:
        """Where every incoming stream stands."""
        return list(self.session.scalars(select(StreamRow).where(StreamRow.direction == "in")))

    # --- outbox -----------------------------------------------------------------------

    def add_outgoing(self, rows: list[dict[str, Any]]) -> None:
        """Write messages to the outbox."""
        if rows:
            self.session.execute(insert(OutboxRow), rows)

    def pending(self, peer_id: int, limit: int) -> list[OutboxRow]:
        """A peer's messages not yet delivered, each stream in its order."""
        query = (
            select(OutboxRow)
            .where(OutboxRow.peer_id == peer_id, OutboxRow.status == "pending")
            .order_by(OutboxRow.created_at, OutboxRow.stream, OutboxRow.seq)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def any_pending(self) -> bool:
        """True when some message waits for delivery."""
        query = select(OutboxRow.id).where(OutboxRow.status == "pending").limit(1)
        return self.session.scalar(query) is not None

    def record_attempt(self, ids: list[uuid.UUID], at: datetime) -> None:
        """Count an attempt to deliver these messages."""
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids))
            .values(attempts=OutboxRow.attempts + 1, sent_at=at)
            .execution_options(synchronize_session=False)
        )

    def record_outcomes(self, outcomes: dict[uuid.UUID, tuple[str, str]], at: datetime) -> None:
        """Mark each message delivered or failed, with what the peer answered."""
        for message_id, (status, outcome) in outcomes.items():
            self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == message_id)
                .values(status=status, outcome=outcome[:300], delivered_at=at)
                .execution_options(synchronize_session=False)
            )

    def outgoing(self, message_type: str | None, limit: int) -> list[OutboxRow]:
        """The latest messages written for the peers (of one type, or all)."""
        query = select(OutboxRow).order_by(OutboxRow.created_at.desc(), OutboxRow.seq.desc())
        if message_type:
            query = query.where(OutboxRow.type == message_type)
        return list(self.session.scalars(query.limit(limit)))

    def outbox_counts(self) -> dict[tuple[int, str], tuple[int, datetime | None]]:
        """Per peer and status: how many messages, and the oldest one's time."""
        query = select(
            OutboxRow.peer_id, OutboxRow.status, func.count(), func.min(OutboxRow.created_at)
        ).group_by(OutboxRow.peer_id, OutboxRow.status)
        return {(p, s): (n, oldest) for p, s, n, oldest in self.session.execute(query)}

    # --- inbox ------------------------------------------------------------------------

    def received(self, message_id: uuid.UUID) -> InboxRow | None:
        """The message with this id, if it came before."""
        return self.session.get(InboxRow, message_id)

    def add_incoming(self, row: InboxRow) -> None:
        """Store a message as received."""
        self.session.add(row)
        self.session.flush()

    def held(self, peer_id: int, stream: str) -> dict[int, InboxRow]:
        """A stream's messages waiting for a predecessor, by sequence number."""
        query = select(InboxRow).where(
            InboxRow.peer_id == peer_id, InboxRow.stream == stream, InboxRow.status == "held"
        )
        return {row.seq: row for row in self.session.scalars(query)}

    def incoming(self, message_type: str | None, limit: int) -> list[InboxRow]:
        """The latest messages received (of one type, or all)."""
        query = select(InboxRow).order_by(InboxRow.received_at.desc(), InboxRow.seq.desc())
        if message_type:
            query = query.where(InboxRow.type == message_type)
        return list(self.session.scalars(query.limit(limit)))

    def held_seqs(self) -> dict[tuple[int, str], list[int]]:
        """Per peer and stream, the sequence numbers of the messages held back."""
        query = select(InboxRow.peer_id, InboxRow.stream, InboxRow.seq).where(
            InboxRow.status == "held"
        )
        found: dict[tuple[int, str], list[int]] = {}
        for peer_id, stream, seq in self.session.execute(query):
            found.setdefault((peer_id, stream), []).append(seq)
        return found

    def inbox_counts(self) -> dict[tuple[int, str], tuple[int, datetime | None]]:
        """Per peer and status: how many messages received, and the latest one's time."""
        query = select(
            InboxRow.peer_id, InboxRow.status, func.count(), func.max(InboxRow.received_at)
        ).group_by(InboxRow.peer_id, InboxRow.status)
        return {(p, s): (n, latest) for p, s, n, latest in self.session.execute(query)}

    def add_refusal(self, row: RefusalRow) -> None:
        """Log an envelope the inbox refused."""
        self.session.add(row)

    def refusals(self, limit: int) -> list[RefusalRow]:
        """The latest refused envelopes."""
        query = select(RefusalRow).order_by(RefusalRow.at.desc(), RefusalRow.id.desc())
        return list(self.session.scalars(query.limit(limit)))

    # --- manifests --------------------------------------------------------------------

    def manifest(self, peer_id: int, reference: str) -> ManifestRow | None:
        """The manifest a peer sent for its trip `reference`."""
        query = select(ManifestRow).where(
            ManifestRow.peer_id == peer_id, ManifestRow.reference == reference
        )
        return self.session.scalar(query)

    def announced_for(self, gate_id: str, tractor_plate: str) -> ManifestRow | None:
        """The latest announced, not yet arrived manifest of a truck at a gate."""
        query = (
            select(ManifestRow)
            .where(
                ManifestRow.gate_id == gate_id,
                ManifestRow.tractor_plate == tractor_plate,
                ManifestRow.status == "announced",
                ManifestRow.arrived_at.is_(None),
            )
            .order_by(ManifestRow.expected_arrival.desc())
            .limit(1)
        )
        return self.session.scalar(query)

    def add_manifest(self, row: ManifestRow) -> None:
        """Store a first manifest."""
        self.session.add(row)

    def manifests(
        self, gate_id: str | None, since: datetime | None, limit: int
    ) -> list[ManifestRow]:
        """Announced trips (of one gate), by expected arrival."""
        query = select(ManifestRow).order_by(ManifestRow.expected_arrival, ManifestRow.id)
        if gate_id:
            query = query.where(ManifestRow.gate_id == gate_id)
        if since:
            query = query.where(
                or_(ManifestRow.expected_arrival >= since, and_(ManifestRow.crossed_at.is_(None)))
            )
        return list(self.session.scalars(query.limit(limit)))
