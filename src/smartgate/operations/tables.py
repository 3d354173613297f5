"""Operations tables: camera reads, inspections, yard visits and the append-only audit log."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from smartgate.db import Base, UTCDateTime

# SQLite numbers its rows only through an INTEGER PRIMARY KEY; PostgreSQL's log may grow past
# two billion rows.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class GateEventRow(Base):
    """One plate read by a camera at a point of the gate, and what became of it."""

    __tablename__ = "gate_events"
    __table_args__ = (
        # A camera that retries sends the same event id again: it is stored once.
        UniqueConstraint("gate_id", "camera_id", "event_id"),
        Index("ix_gate_events_review", "gate_id", "status"),
        Index("ix_gate_events_passage", "gate_id", "point", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    camera_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64))
    point: Mapped[str] = mapped_column(String(20))
    lane: Mapped[str | None] = mapped_column(String(40), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    plate: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[float] = mapped_column(Float)
    containers: Mapped[list[str]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The first read of a passage names it; later reads of the same passage point to it.
    passage_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(12))  # matched, review, confirmed, dismissed
    declaration_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    score: Mapped[float] = mapped_column(Float)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    review_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class InspectionRow(Base):
    """One agency's decision on a trip: pass, hold or fail, by whom, with a note."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("declarations.id"), index=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    agency: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(8))
    officer: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class YardVisitRow(Base):
    """A truck's stay in a cargo yard, from the entry read to the exit read."""

    __tablename__ = "yard_visits"
    __table_args__ = (Index("ix_yard_visits_open", "gate_id", "yard_code", "left_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("declarations.id"), index=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    yard_code: Mapped[str] = mapped_column(String(40))
    plate: Mapped[str] = mapped_column(String(20))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class HandoverRow(Base):
    """How a cleared truck's cargo crossed the line: the delivery mode used at which lane, who
    drove on each side, the other side's vehicle or the shuttle that carried it."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("declarations.id"), unique=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    lane: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(20))
    near_driver: Mapped[str | None] = mapped_column(String(120), nullable=True)
    far_driver: Mapped[str | None] = mapped_column(String(120), nullable=True)
    far_plate: Mapped[str | None] = mapped_column(String(20), nullable=True)
    shuttle_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class TariffRow(Base):
    """A gate's tariff as its authority set it in the app: the keys it gives replace the
    shipped default's (the same tables as a [gate."<id>"] entry of tariffs.toml)."""

    __tablename__ = "gate_tariffs"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    sections: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """One change to anything a gate runs on: who, when, what, before and after. Rows are
    only ever added (on PostgreSQL and SQLite a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_gate", "gate_id", "id"),
        Index("ix_audit_declaration", "declaration_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    gate_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    declaration_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    subject: Mapped[str] = mapped_column(String(20))  # trip, booking, inspection, capacity, ...
    subject_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    place: Mapped[str | None] = mapped_column(String(60), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
