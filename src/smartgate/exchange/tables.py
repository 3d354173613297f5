"""Exchange tables: the peers, the outbox and inbox, each stream's counter, the refusals, and
the manifests the other side announced."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from smartgate.db import Base, UTCDateTime


class PeerRow(Base):
    """The other side's instance: where to reach it and the key its envelopes are signed with."""

    __tablename__ = "exchange_peers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    url: Mapped[str] = mapped_column(String(300))
    public_key: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Delivery to it: the last answer, the failures in a row, when to try again, and which
    # server process delivers now (one at a time, so the order on the wire is the stream's).
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sender_lease: Mapped[str | None] = mapped_column(String(60), nullable=True)
    sender_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StreamRow(Base):
    """Where one stream to or from a peer stands: the last sequence number written (out) or
    applied (in). Its row lock keeps two transactions from taking one number or applying
    one message twice."""

    __tablename__ = "exchange_streams"

    peer_id: Mapped[int] = mapped_column(ForeignKey("exchange_peers.id"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3), primary_key=True)  # in, out
    stream: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class _Message:
    """What a message is, in the outbox as in the inbox: its id, its place in a peer's
    stream, its type and schema version, what it says, and when it was written."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("exchange_peers.id"))
    stream: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxRow(_Message, Base):
    """A message for a peer, written in the transaction of the change that caused it."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (
        UniqueConstraint("peer_id", "stream", "seq"),
        Index("ix_exchange_outbox_due", "peer_id", "status", "stream", "seq"),
    )

    status: Mapped[str] = mapped_column(String(10), default="pending")  # delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # What the peer answered: applied, held (waiting for a predecessor), or why it refused.
    outcome: Mapped[str | None] = mapped_column(String(300), nullable=True)


class InboxRow(_Message, Base):
    """A message a peer sent, stored once by its id; applied in its stream's order."""

    __tablename__ = "exchange_inbox"
    __table_args__ = (
        UniqueConstraint("peer_id", "stream", "seq"),
        Index("ix_exchange_inbox_type", "type", "received_at"),
    )

    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10))  # held, applied, rejected
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)


class RefusalRow(Base):
    """An envelope the inbox refused (bad signature, unknown sender, expired): who tried."""

    __tablename__ = "exchange_refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str | None] = mapped_column(String(60), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    address: Mapped[str | None] = mapped_column(String(60), nullable=True)


class ManifestRow(Base):
    """A trip the other side announced before it reaches this side's gate: the latest
    version of its pre-arrival manifest, and when it crossed or arrived."""

    __tablename__ = "exchange_manifests"
    __table_args__ = (
        UniqueConstraint("peer_id", "reference"),
        Index("ix_exchange_manifests_gate", "gate_id", "expected_arrival"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("exchange_peers.id"))
    reference: Mapped[str] = mapped_column(String(60))  # the sender's trip id
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # announced, cancelled
    gate_id: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))  # as this side sees it
    expected_arrival: Mapped[datetime] = mapped_column(UTCDateTime)
    tractor_plate: Mapped[str] = mapped_column(String(20), index=True)
    trailer_plate: Mapped[str | None] = mapped_column(String(20), nullable=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # the manifest as sent
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    crossed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # here
