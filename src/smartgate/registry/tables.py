"""Registry tables."""

from datetime import time

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartgate.db import Base


class GateRow(Base):
    """A gate pair: the Vietnamese gate and the Chinese gate facing it."""

    __tablename__ = "gates"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    counterpart_vi: Mapped[str] = mapped_column(String(120))
    province_vi: Mapped[str] = mapped_column(String(80))
    city_zh: Mapped[str] = mapped_column(String(80))
    gate_type: Mapped[str] = mapped_column(String(20))
    open_utc: Mapped[time] = mapped_column(Time)
    close_utc: Mapped[time] = mapped_column(Time)
    # The HS chapters quarantine inspects here; None: the usual 01-14.
    quarantine_chapters: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)

    lanes: Mapped[list["LaneRow"]] = relationship(order_by="LaneRow.code", lazy="selectin")
    yards: Mapped[list["YardRow"]] = relationship(order_by="YardRow.code", lazy="selectin")
    roads: Mapped[list["FreightRoadRow"]] = relationship(
        order_by="FreightRoadRow.id", lazy="selectin"
    )


class FreightRoadRow(Base):
    """A dedicated freight road between two boundary markers (Decision 865/QĐ-TTg)."""

    __tablename__ = "freight_roads"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), index=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200), nullable=True)
    markers: Mapped[str] = mapped_column(String(40))
    vehicles_per_day: Mapped[int] = mapped_column(Integer)
    target_min_per_day: Mapped[int] = mapped_column(Integer)
    target_max_per_day: Mapped[int] = mapped_column(Integer)


class LaneRow(Base):
    """A crossing lane with its direction (as seen from this instance) and delivery modes."""

    __tablename__ = "lanes"
    __table_args__ = (UniqueConstraint("gate_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    # The name in each language, where the gate document gives it (else `name` shows).
    name_vi: Mapped[str | None] = mapped_column(String(120), nullable=True)
    name_zh: Mapped[str | None] = mapped_column(String(120), nullable=True)
    name_en: Mapped[str | None] = mapped_column(String(120), nullable=True)
    direction: Mapped[str] = mapped_column(String(10))
    delivery_modes: Mapped[list[str]] = mapped_column(JSON)
    road_id: Mapped[str | None] = mapped_column(ForeignKey("freight_roads.id"), nullable=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)


class YardRow(Base):
    """A cargo yard near the gate, its capacity counted in trucks."""

    __tablename__ = "yards"
    __table_args__ = (UniqueConstraint("gate_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    name_vi: Mapped[str | None] = mapped_column(String(120), nullable=True)
    name_zh: Mapped[str | None] = mapped_column(String(120), nullable=True)
    name_en: Mapped[str | None] = mapped_column(String(120), nullable=True)
    capacity_trucks: Mapped[int] = mapped_column(Integer)
    cold_storage: Mapped[bool] = mapped_column(Boolean, default=False)


class PermittedGoodsRow(Base):
    """An HS prefix permitted through a gate in one direction."""

    __tablename__ = "permitted_goods"
    __table_args__ = (UniqueConstraint("gate_id", "direction", "hs_prefix"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    hs_prefix: Mapped[str] = mapped_column(String(6))
