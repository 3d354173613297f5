"""The only place that queries exchange tables."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, or_, select, update
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

Row = TypeVar("Row")


class ExchangeRepository:
    """Peers, streams, outbox, inbox, refusals and announced manifests."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # Rows found in this session, with the transaction (or savepoint) they were found
        # in: an inbox batch asks for its sender and its stream's lock once per envelope.
        self._senders: dict[str, tuple[object, PeerRow]] = {}
        self._locked: dict[tuple[int, str, str], tuple[object, StreamRow]] = {}
        self._manifests: dict[tuple[int, str], ManifestRow | None] | None = None

    def _scope(self) -> object | None:
        # The innermost transaction open now: a row found (or locked) in it stays good
        # until it ends; one found in a savepoint since rolled back does not.
        return self.session.get_nested_transaction() or self.session.get_transaction()

    def _known(self, found: tuple[object, Row] | None) -> Row | None:
        scope = self._scope()
        if found is None or scope is None or found[0] is not scope:
            return None
        return found[1] if found[1] in self.session else None

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
        known = self._known(self._senders.get(public_key))
        if known is not None:
            return known
        peer = self.session.scalar(select(PeerRow).where(PeerRow.public_key == public_key))
        if peer is not None:
            self._senders[public_key] = (self._scope(), peer)
        return peer

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
        # Asked again in the transaction (or savepoint) that locked it, the row is still
        # locked: no statement. A savepoint rolled back releases PostgreSQL's row locks taken
        # in it, so a lock counts only in the very (sub)transaction that took it.
        key = (peer_id, direction, stream)
        known = self._known(self._locked.get(key))
        if known is not None:
            return known
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
        row = self.session.scalars(query.with_for_update()).one()
        self._locked[key] = (self._scope(), row)
        return row

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
            .order_by(OutboxRow.stream, OutboxRow.seq)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def record_attempt(self, ids: list[uuid.UUID], at: datetime) -> None:
        """Count an attempt to deliver these messages."""
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids))
            .values(attempts=OutboxRow.attempts + 1, sent_at=at)
            .execution_options(synchronize_session=False)
        )

    def record_outcomes(
        self, peer_id: int, outcomes: dict[uuid.UUID, tuple[str, str]], at: datetime
    ) -> None:
        """Mark each of a peer's pending messages delivered or failed, with what it answered."""
        # One UPDATE per distinct answer (a batch is mostly "applied"), not one per message.
        by_answer: dict[tuple[str, str], list[uuid.UUID]] = {}
        for message_id, (status, outcome) in outcomes.items():
            by_answer.setdefault((status, outcome[:300]), []).append(message_id)
        for (status, outcome), ids in by_answer.items():
            for start in range(0, len(ids), 500):  # well within SQLite's bound parameters
                self.session.execute(
                    update(OutboxRow)
                    .where(
                        OutboxRow.id.in_(ids[start : start + 500]),
                        OutboxRow.peer_id == peer_id,
                        OutboxRow.status == "pending",
                    )
                    .values(status=status, outcome=outcome, delivered_at=at)
                    .execution_options(synchronize_session=False)
                )

    def send_again(self, peer_id: int, stream: str, first: int, last: int) -> int:
        """Put a stream's delivered messages `first`..`last` back to pending (the peer says it
        lacks them: its database was restored); how many."""
        again = self.session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.peer_id == peer_id,
                OutboxRow.stream == stream,
                OutboxRow.seq.between(first, last),
                OutboxRow.status == "delivered",
            )
            .values(status="pending", delivered_at=None)
            .execution_options(synchronize_session=False)
        )
        return int(again.rowcount)

    def due_peer_ids(self, now: datetime) -> list[int]:
        """The peers with messages pending whose back-off has passed."""
        query = (
            select(PeerRow.id)
            .where(
                or_(PeerRow.next_attempt_at.is_(None), PeerRow.next_attempt_at <= now),
                select(OutboxRow.id)
                .where(OutboxRow.peer_id == PeerRow.id, OutboxRow.status == "pending")
                .exists(),
            )
            .order_by(PeerRow.id)
        )
        return list(self.session.scalars(query))

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

    def add_incoming(self, rows: list[InboxRow]) -> None:
        """Store messages as received."""
        self.session.add_all(rows)
        self.session.flush()

    def received_ids(self, ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these message ids came before."""
        return set(self.session.scalars(select(InboxRow.id).where(InboxRow.id.in_(ids))))

    def held(self, peer_id: int, stream: str) -> dict[int, InboxRow]:
        """A stream's messages waiting for a predecessor, by sequence number."""
        # Every held message comes after the stream's last applied one (the inbox applies in
        # order and moves last_seq past each message it applies or rejects): looking only
        # there walks the (peer, stream, seq) index over the few held rows rather than every
        # message the stream ever brought, once per envelope received.
        applied = (
            select(StreamRow.last_seq)
            .where(
                StreamRow.peer_id == peer_id,
                StreamRow.direction == "in",
                StreamRow.stream == stream,
            )
            .scalar_subquery()
        )
        query = select(InboxRow).where(
            InboxRow.peer_id == peer_id,
            InboxRow.stream == stream,
            InboxRow.seq > func.coalesce(applied, 0),
            InboxRow.status == "held",
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

    def keep_latest_refusals(self, kept: int) -> None:
        """Forget all but the latest `kept` refusals."""
        newest = self.session.scalar(select(func.max(RefusalRow.id)))
        if newest is not None and newest > kept:
            self.session.execute(delete(RefusalRow).where(RefusalRow.id <= newest - kept))

    def refusals(self, limit: int) -> list[RefusalRow]:
        """The latest refused envelopes."""
        query = select(RefusalRow).order_by(RefusalRow.at.desc(), RefusalRow.id.desc())
        return list(self.session.scalars(query.limit(limit)))

    # --- manifests --------------------------------------------------------------------

    @contextmanager
    def manifests_at_hand(self, peer_id: int, references: list[str]) -> Iterator[None]:
        """Within the block, `manifest` answers for these references without a query each
        (one query reads them all; the block must add the manifests it makes)."""
        found = self.session.scalars(
            select(ManifestRow).where(
                ManifestRow.peer_id == peer_id, ManifestRow.reference.in_(references)
            )
        )
        self._manifests = dict.fromkeys(((peer_id, r) for r in references), None)
        self._manifests |= {(m.peer_id, m.reference): m for m in found}
        try:
            yield
        finally:
            self._manifests = None

    def manifest(self, peer_id: int, reference: str) -> ManifestRow | None:
        """The manifest a peer sent for its trip `reference`."""
        if self._manifests is not None and (peer_id, reference) in self._manifests:
            return self._manifests[(peer_id, reference)]
        query = select(ManifestRow).where(
            ManifestRow.peer_id == peer_id, ManifestRow.reference == reference
        )
        return self.session.scalar(query)

    def announced_for(self, gate_id: str, plates: set[str]) -> list[ManifestRow]:
        """The announced, not yet arrived manifests at a gate of a truck with one of these
        plates (tractor or trailer)."""
        query = select(ManifestRow).where(
            ManifestRow.gate_id == gate_id,
            or_(ManifestRow.tractor_plate.in_(plates), ManifestRow.trailer_plate.in_(plates)),
            ManifestRow.status == "announced",
            ManifestRow.arrived_at.is_(None),
        )
        return list(self.session.scalars(query))

    def add_manifest(self, row: ManifestRow) -> None:
        """Store a first manifest."""
        self.session.add(row)
        if self._manifests is not None:
            self._manifests[(row.peer_id, row.reference)] = row

    def manifests(self, gate_id: str | None, limit: int) -> list[ManifestRow]:
        """Announced trips (of one gate), the latest expected first."""
        query = select(ManifestRow).order_by(ManifestRow.expected_arrival.desc(), ManifestRow.id)
        if gate_id:
            query = query.where(ManifestRow.gate_id == gate_id)
        return list(self.session.scalars(query.limit(limit)))
