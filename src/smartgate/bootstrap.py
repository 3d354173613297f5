"""Bringing an instance up: migrate the database and, in demo mode, fill it."""

from datetime import timedelta

from smartgate import migrate
from smartgate.config import Settings
from smartgate.db import engine_for, session_factory
from smartgate.declarations import services as declarations
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.identity import services as identity
from smartgate.policy import services as policy_services
from smartgate.policy.schemas import CapacityIn
from smartgate.registry import services as registry
from smartgate.registry.model import DIRECTIONS
from smartgate.shared.clock import utcnow
from smartgate.uow import UnitOfWork


def unit_of_work(settings: Settings) -> UnitOfWork:
    """A unit of work on the configured database."""
    return UnitOfWork(session_factory(engine_for(settings.database_url)))


def prepare(settings: Settings) -> list[str]:
    """Migrate; in demo mode load the real gate pairs, demo users and sample trips."""
    migrate.upgrade(settings.database_url)
    if not settings.demo:
        return []
    uow = unit_of_work(settings)
    registry.load_gates(
        uow=uow,
        document=registry.read_document(registry.demo_document_path()),
        side=settings.side,
    )
    created = identity.ensure_demo_users(uow=uow)
    if "driver1" in created:
        _sample_trips(uow)
        _demo_capacity(uow, settings.side)
    return created


def _demo_capacity(uow: UnitOfWork, own_side: str) -> None:
    # Each side declares about 12 trucks an hour per lane over its opening hours; China's
    # figure is a little lower, so the effective capacity shows the minimum at work.
    authority = identity.actor_for_username(uow=uow, username="authority-vn", demo_mode=True)
    for gate in registry.list_gates(uow=uow):
        for direction in DIRECTIONS:
            lanes = sum(1 for lane in gate.lanes if lane.direction == direction) or 1
            for side, per_lane in (("VN", 12), ("CN", 11)):
                hours = gate.opening_hours.vn if side == "VN" else gate.opening_hours.cn
                policy_services.declare_capacity(
                    uow=uow,
                    actor=authority,
                    gate_id=gate.id,
                    own_side=own_side,
                    data=CapacityIn(
                        direction=direction,
                        side=side,
                        trucks_per_hour=lanes * per_lane,
                        from_hour=hours.opens.hour,
                        to_hour=hours.closes.hour or 24,
                    ),
                )


def _sample_trips(uow: UnitOfWork) -> None:
    driver = identity.actor_for_username(uow=uow, username="driver1", demo_mode=True)
    tomorrow = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    declarations.declare(uow=uow, actor=driver, data=_durian_trip(tomorrow))


def _durian_trip(arrival) -> DeclarationCreate:  # type: ignore[no-untyped-def]
    return DeclarationCreate.model_validate(
        {
            "gate_id": "huu-nghi",
            "direction": "export",
            "tractor_plate": "12C-123.45",
            "trailer_plate": "12R-012.34",
            "driver_name": "Nguyễn Văn An",
            "containers": ["CSQU3054383"],
            "expected_arrival": arrival,
            "goods": [
                {
                    "hs_code": "081060",
                    "description": "Sầu riêng tươi / Fresh durian",
                    "gross_kg": 18000,
                    "value": 25000,
                    "currency": "USD",
                    "perishable": True,
                }
            ],
        }
    )
