"""Policy use-cases: capacity declarations, suspensions and gate rules, set by the authority.

Each records the change and publishes what happened (`CapacityDeclared`, `StopsChanged`,
`RulesChanged`); the queue follows in the same unit of work (see `smartgate.handlers`), moving
bookings and holding or releasing trucks, so the change and its effects commit together.
"""

from datetime import date, datetime, timedelta

from smartgate.policy import model as policy
from smartgate.policy.model import CapacityDeclared, RulesChanged, StopsChanged
from smartgate.policy.schemas import (
    CapacityDay,
    CapacityHour,
    CapacityIn,
    CapacitySource,
    GateRulesIO,
    SuspensionIn,
    SuspensionRead,
)
from smartgate.policy.tables import SuspensionRow
from smartgate.shared.actor import Actor
from smartgate.shared.audit import Changed
from smartgate.shared.clock import SIDE_TZ, as_utc, local_day_start, utcnow
from smartgate.shared.errors import Conflict, Forbidden, NotFound
from smartgate.shared.validation import FieldError, ValidationFailed
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

HOUR = timedelta(hours=1)
# Figures the other side's instance sent are declared by `peer:NAME`.
PEER_PREFIX = "peer:"


def declare_capacity(
    *,
    uow: UnitOfWork,
    actor: Actor,
    gate_id: str,
    data: CapacityIn,
    own_side: str,
    now: datetime | None = None,
) -> CapacityDay:
    """Record one side's trucks per hour; bookings that no longer fit move to the next free
    hour (the live queue gives way first), and every moved truck gets a notice. This side's
    own figures go to the other side's instance too (see `smartgate.exchange`)."""
    now = now or utcnow()
    _ensure_authority(actor)
    if data.day:
        check_date(data.day, "day", now)
    side = data.side or own_side
    with uow:
        record_capacity(uow, gate_id, data, side=side, by=actor, now=now, announce=side == own_side)
        day = data.day or now.astimezone(SIDE_TZ[side]).date()
        result = _capacity_day(uow, gate_id, data.direction, day, side)
        uow.commit()
        return result


def record_capacity(
    uow: UnitOfWork,
    gate_id: str,
    data: CapacityIn,
    *,
    side: str,
    by: Actor,
    now: datetime,
    announce: bool = False,
) -> None:
    """Store a side's figures in an open unit of work (typed here, or received from the other
    side's instance), and publish what follows from them; `announce` tells the other side."""
    _rules_of_gate(uow, gate_id)
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    figures = uow.policy.capacity(gate_id, data.direction)
    before = policy.effective_capacity(figures, this_hour.date(), this_hour.hour)
    day = data.day or now.astimezone(SIDE_TZ[side]).date()
    hours = _utc_hours(day, side, data.from_hour, data.to_hour)
    # A dated figure is stored per UTC date; a standing one holds for every day.
    by_day = _by_utc_day(hours) if data.day else {None: [h.hour for h in hours]}
    replaced = _declared_hours(figures, side, data.lane, by_day)
    for utc_day, utc_hours in by_day.items():
        uow.policy.replace_capacity(
            gate_id=gate_id,
            side=side,
            direction=data.direction,
            lane=data.lane,
            day=utc_day,
            hours=dict.fromkeys(utc_hours, data.trucks_per_hour),
            by=by.username,
            at=now,
        )
    uow.session.flush()
    declared = data.model_dump(mode="json") | {"side": side}
    uow.publish(
        CapacityDeclared(
            gate_id, data.direction, before, by, now, announce=declared if announce else None
        )
    )
    uow.publish(
        Changed(
            "capacity", f"{gate_id}/{data.direction}/{side}", "capacity.declared",
            by.username, now, gate_id, before=replaced, after=declared,
        )
    )  # fmt: skip


def capacity_day(
    *,
    uow: UnitOfWork,
    gate_id: str,
    direction: str,
    day: date,
    side: str,
    now: datetime | None = None,
) -> CapacityDay:
    """A gate's capacity for each hour of a local date: each side's figure and the minimum."""
    check_date(day, "date", now or utcnow())
    with uow:
        _rules_of_gate(uow, gate_id)
        return _capacity_day(uow, gate_id, direction, day, side)


def suspend(
    *, uow: UnitOfWork, actor: Actor, data: SuspensionIn, now: datetime | None = None
) -> SuspensionRead:
    """Stop some traffic; affected bookings and waiting trucks are held with the reason."""
    now = now or utcnow()
    _ensure_authority(actor)
    with uow:
        if data.gate_id is not None:
            _rules_of_gate(uow, data.gate_id)
        row = SuspensionRow(
            gate_id=data.gate_id,
            direction=data.direction,
            hs_prefixes=list(data.hs_prefixes),
            flags=list(data.flags),
            starts_at=as_utc(data.starts_at) if data.starts_at else now,
            ends_at=as_utc(data.ends_at) if data.ends_at else None,
            reason=data.reason,
            created_by=actor.username,
            created_at=now,
        )
        uow.policy.add_suspension(row)
        uow.publish(StopsChanged(row.gate_id, row.direction, actor, now))
        read = SuspensionRead.model_validate(row)
        uow.publish(_suspension_changed(read, "suspension.set", actor, now, None))
        uow.commit()
        return read


def lift(
    *, uow: UnitOfWork, actor: Actor, suspension_id: int, now: datetime | None = None
) -> SuspensionRead:
    """End a suspension now; held trucks go back to their old places, in order."""
    now = now or utcnow()
    _ensure_authority(actor)
    with uow:
        row = uow.policy.suspension(suspension_id)
        if row is None:
            raise NotFound(
                Wording("suspension {suspension_id} does not exist", suspension_id=suspension_id)
            )
        if row.ends_at is not None and row.ends_at <= now:
            raise Conflict(
                Wording(
                    "suspension {suspension_id} already ended at {ended}",
                    suspension_id=suspension_id,
                    ended=row.ends_at,
                )
            )
        before = SuspensionRead.model_validate(row)
        row.ends_at, row.lifted_by = max(now, row.starts_at), actor.username
        uow.publish(StopsChanged(row.gate_id, row.direction, actor, now))
        read = SuspensionRead.model_validate(row)
        uow.publish(_suspension_changed(read, "suspension.lifted", actor, now, before))
        uow.commit()
        return read


def suspensions(
    *, uow: UnitOfWork, gate_id: str | None, current_only: bool, now: datetime | None = None
) -> list[SuspensionRead]:
    """Suspensions (of one gate, or all), optionally only those not yet ended."""
    now = now or utcnow()
    with uow:
        rows = uow.policy.suspensions(gate_id=gate_id, current_at=now if current_only else None)
        return [SuspensionRead.model_validate(r) for r in rows]


def gate_rules(*, uow: UnitOfWork, gate_id: str) -> GateRulesIO:
    """A gate's queue and booking rules."""
    with uow:
        return GateRulesIO.model_validate(_rules_of_gate(uow, gate_id))


def set_gate_rules(
    *, uow: UnitOfWork, actor: Actor, gate_id: str, data: GateRulesIO, now: datetime | None = None
) -> GateRulesIO:
    """Change a gate's rules; the waiting area re-orders (and re-checks green zone) at once."""
    now = now or utcnow()
    _ensure_authority(actor)
    with uow:
        before = GateRulesIO.model_validate(_rules_of_gate(uow, gate_id))
        values = data.model_dump()
        values["priority_order"] = tuple(values["priority_order"])
        uow.policy.save_rules(gate_id, policy.GateRules(**values), by=actor.username, at=now)
        uow.session.flush()
        uow.publish(RulesChanged(gate_id, actor, now))
        uow.publish(
            Changed(
                "rules", gate_id, "rules.changed", actor.username, now, gate_id,
                before=before.model_dump(mode="json"), after=data.model_dump(mode="json"),
            )
        )  # fmt: skip
        uow.commit()
        return data


def _declared_hours(
    figures: list[policy.CapacityFigure], side: str, lane: str, by_day: dict[date | None, list[int]]
) -> dict[str, int]:
    # What the side had declared for the hours a new declaration replaces, for the audit log.
    return {
        f"{figure.day or 'every day'} {figure.hour_utc:02d}:00 UTC": figure.trucks_per_hour
        for figure in figures
        if figure.side == side
        and figure.lane == lane
        and figure.hour_utc in by_day.get(figure.day, ())
    }


def _suspension_changed(
    read: SuspensionRead, action: str, actor: Actor, now: datetime, before: SuspensionRead | None
) -> Changed:
    return Changed(
        "suspension", str(read.id), action, actor.username, now, read.gate_id,
        before=before.model_dump(mode="json") if before else None,
        after=read.model_dump(mode="json"), reason=read.reason,
    )  # fmt: skip


def check_date(day: date, field: str, now: datetime) -> None:
    """Refuse dates too far from today to plan for, naming the field."""
    fault = policy.date_fault(day, now.date())
    if fault:
        raise ValidationFailed([FieldError(field, fault)])


# --- helpers ----------------------------------------------------------------------------


def _ensure_authority(actor: Actor) -> None:
    if actor.role != "authority":
        raise Forbidden(
            Wording("only the border authority sets capacity, suspensions and gate rules")
        )


def _rules_of_gate(uow: UnitOfWork, gate_id: str) -> policy.GateRules:
    if uow.registry.gate_name(gate_id) is None:
        raise NotFound(Wording("gate {gate} does not exist", gate=repr(gate_id)))
    return uow.policy.rules(gate_id)


def _utc_hours(day: date, side: str, from_hour: int, to_hour: int) -> list[datetime]:
    start = local_day_start(day, SIDE_TZ[side])
    return [start + timedelta(hours=h) for h in range(from_hour, to_hour)]


def _by_utc_day(hours: list[datetime]) -> dict[date | None, list[int]]:
    found: dict[date | None, list[int]] = {}
    for moment in hours:
        found.setdefault(moment.date(), []).append(moment.hour)
    return found


def _capacity_day(
    uow: UnitOfWork, gate_id: str, direction: str, day: date, side: str
) -> CapacityDay:
    figures = uow.policy.capacity(gate_id, direction)
    hours = []
    for moment in _utc_hours(day, side, 0, 24):
        vn = policy.side_capacity(figures, "VN", moment.date(), moment.hour)
        cn = policy.side_capacity(figures, "CN", moment.date(), moment.hour)
        effective = policy.effective_capacity(figures, moment.date(), moment.hour)
        hours.append(CapacityHour(start=moment, vn=vn, cn=cn, effective=effective))
    sources = [
        CapacitySource(
            side=whose, declared_by=by, declared_at=at, received=by.startswith(PEER_PREFIX)
        )  # type: ignore[arg-type]
        for whose, by, at in uow.policy.capacity_sources(gate_id, direction)
    ]
    return CapacityDay(gate_id=gate_id, direction=direction, day=day, hours=hours, sources=sources)  # type: ignore[arg-type]
