"""Queue tables: bookings, slot counters, the waiting area and notices to trucks."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from smartgate.db import Base, UTCDateTime
from smartgate.queue.model import BOOKING_TRANSITIONS, ENTRY_TRANSITIONS, live

# A vehicle holds at most one booking in these states, and one place in the waiting area:
# the states the transition tables still lead out of.
LIVE_STATUSES = live(BOOKING_TRANSITIONS)
IN_QUEUE_STATUSES = live(ENTRY_TRANSITIONS)
LIVE_BOOKING = f"status IN {LIVE_STATUSES}"
IN_QUEUE = f"status IN {IN_QUEUE_STATUSES}"


class BookingRow(Base):
    """An hourly crossing slot booked for a declared trip."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_one_per_vehicle",
            "vehicle_key",
            unique=True,
            sqlite_where=text(LIVE_BOOKING),
            postgresql_where=text(LIVE_BOOKING),
        ),
        # One live booking per declaration too: a plate changed after booking books no more.
        Index(
            "uq_bookings_one_per_declaration",
            "declaration_id",
            unique=True,
            sqlite_where=text(LIVE_BOOKING),
            postgresql_where=text(LIVE_BOOKING),
        ),
        Index("ix_bookings_slot", "gate_id", "direction", "slot_start"),
        Index("ix_bookings_owner_created", "owner_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    declaration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("declarations.id"), index=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str] = mapped_column(String(10))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    vehicle_key: Mapped[str] = mapped_column(String(20))
    plate: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    company: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(12))
    hold_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    reschedules: Mapped[int] = mapped_column(Integer, default=0)
    pass_code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


class BookingAttemptRow(Base):
    """The n-th booking request of an account (whatever came of it) and when it came; kept
    for a minute, which is all the rate limit looks back."""

    __tablename__ = "booking_attempts"

    account_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlotCountRow(Base):
    """Bookings taken in one hourly slot; the row every concurrent booking updates."""

    __tablename__ = "slot_counts"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class QueueEntryRow(Base):
    """A truck from its arrival at the waiting area until it crosses or is released."""

    __tablename__ = "queue_entries"
    __table_args__ = (
        Index(
            "uq_queue_one_per_vehicle",
            "vehicle_key",
            unique=True,
            sqlite_where=text(IN_QUEUE),
            postgresql_where=text(IN_QUEUE),
        ),
        Index("ix_queue_gate_status", "gate_id", "direction", "status"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str] = mapped_column(String(10))
    declaration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("declarations.id"), index=True)
    booking_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("bookings.id"), nullable=True)
    vehicle_key: Mapped[str] = mapped_column(String(20), index=True)
    plate: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    hs_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    delivery_mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    hold_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    called_lane: Mapped[str | None] = mapped_column(String(40), nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class QueueStateRow(Base):
    """Per gate and direction: a version bumped on every change, and the call ratio's count."""

    __tablename__ = "queue_state"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    booked_since_live: Mapped[int] = mapped_column(Integer, default=0)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class QueueChangeRow(Base):
    """Which waiting-area entries one version of a queue touched, so that another process can
    bring its board up to date by reading those entries alone."""

    __tablename__ = "queue_changes"

    gate_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy: Mapped[bool] = mapped_column(Boolean)  # rules, capacity or suspensions changed
    entry_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # None: too many


class NoticeRow(Base):
    """A message to a truck's driver or forwarder (slot moved, called, released...)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("declarations.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    plate: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(30))
    # Which of model.NOTICE_TEXTS, and its values: the web words it in the reader's language.
    text_id: Mapped[str | None] = mapped_column(String(30), nullable=True)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    message: Mapped[str] = mapped_column(String(500))  # in English, times in UTC
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
