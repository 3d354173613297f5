"""Policy tables: declared capacity, suspensions, and each gate's queue rules."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartgate.db import Base, UTCDateTime


class CapacityRow(Base):
    """Trucks per hour one side declared for a gate, direction, lane and UTC hour."""

    __tablename__ = "capacity"
    __table_args__ = (Index("ix_capacity_lookup", "gate_id", "direction", "hour_utc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    side: Mapped[str] = mapped_column(String(2))
    direction: Mapped[str] = mapped_column(String(10))
    lane: Mapped[str] = mapped_column(String(40), default="")  # "" is the whole gate
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    hour_utc: Mapped[int] = mapped_column(Integer)
    trucks_per_hour: Mapped[int] = mapped_column(Integer)
    declared_by: Mapped[str] = mapped_column(String(80))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SuspensionRow(Base):
    """A stop on some traffic: which gate, direction and goods, from when to when, and why."""

    __tablename__ = "suspensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gate_id: Mapped[str | None] = mapped_column(ForeignKey("gates.id"), nullable=True)
    direction: Mapped[str | None] = mapped_column(String(10), nullable=True)
    hs_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class GateRulesRow(Base):
    """A gate's queue and booking rules; a gate without a row uses the defaults."""

    __tablename__ = "gate_rules"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    priority_order: Mapped[list[str]] = mapped_column(JSON)
    backlog_hours: Mapped[float] = mapped_column(Float)
    live_every: Mapped[int] = mapped_column(Integer)
    green_zone: Mapped[bool] = mapped_column(Boolean)
    booking_share: Mapped[float] = mapped_column(Float)
    window_days: Mapped[int] = mapped_column(Integer)
    no_show_minutes: Mapped[int] = mapped_column(Integer)
    no_show_limit: Mapped[int] = mapped_column(Integer)
    no_show_block_days: Mapped[int] = mapped_column(Integer)
    cancel_limit: Mapped[int] = mapped_column(Integer)
    rebook_cooldown_minutes: Mapped[int] = mapped_column(Integer)
    max_reschedules: Mapped[int] = mapped_column(Integer)
    bookings_per_minute: Mapped[int] = mapped_column(Integer)
    declaration_valid_hours: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
