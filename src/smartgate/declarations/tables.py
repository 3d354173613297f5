"""Declaration tables: the trip, its containers and goods lines, and every change made."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartgate.db import Base, UTCDateTime


class DeclarationRow(Base):
    """A trip pre-declaration."""

    __tablename__ = "declarations"
    __table_args__ = (
        Index("ix_declarations_owner_created", "owner_id", "created_at"),
        Index("ix_declarations_gate_arrival", "gate_id", "expected_arrival"),
        # The gate's cameras follow the trips that changed since they last looked.
        # A camera's read finds its trip by the plate as cameras see it.
        Index("ix_declarations_gate_skeleton", "gate_id", "plate_skeleton"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str] = mapped_column(String(10))
    tractor_plate: Mapped[str] = mapped_column(String(20), index=True)
    plate_skeleton: Mapped[str] = mapped_column(String(20), default="", server_default="")
    trailer_plate: Mapped[str | None] = mapped_column(String(20), nullable=True)
    driver_name: Mapped[str] = mapped_column(String(120))
    driver_phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    delivery_mode: Mapped[str] = mapped_column(
        String(20), default="direct", server_default="direct"
    )
    expected_arrival: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="declared")  # shared/lifecycle.py
    status_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    held_from: Mapped[str | None] = mapped_column(String(20), nullable=True)  # where it resumes
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    owner_name: Mapped[str] = mapped_column(String(80))  # usernames never change
    company: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    copied_from: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    containers: Mapped[list["ContainerRow"]] = relationship(
        order_by="ContainerRow.position", cascade="all, delete-orphan", lazy="selectin"
    )
    goods: Mapped[list["GoodsLineRow"]] = relationship(
        order_by="GoodsLineRow.line_no", cascade="all, delete-orphan", lazy="selectin"
    )


class ContainerRow(Base):
    """A container on the truck, by ISO 6346 number."""

    __tablename__ = "declaration_containers"
    __table_args__ = (UniqueConstraint("declaration_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(11), index=True)


class GoodsLineRow(Base):
    """One goods line; `line_no` is stable, so amending one line never renumbers the rest."""

    __tablename__ = "goods_lines"
    __table_args__ = (UniqueConstraint("declaration_id", "line_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE")
    )
    line_no: Mapped[int] = mapped_column(Integer)
    hs_code: Mapped[str] = mapped_column(String(6), index=True)
    description: Mapped[str] = mapped_column(String(200))
    gross_kg: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    perishable: Mapped[bool] = mapped_column(Boolean, default=False)
    cold_chain: Mapped[bool] = mapped_column(Boolean, default=False)
    production_input: Mapped[bool] = mapped_column(Boolean, default=False)


class HistoryRow(Base):
    """One change to a declaration: who, when, what, before and after."""

    __tablename__ = "declaration_history"
    __table_args__ = (UniqueConstraint("declaration_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(String(80))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
