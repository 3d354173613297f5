"""Valid declaration data to start tests from; each test changes what it checks."""

from datetime import UTC, datetime, timedelta
from typing import Any

from smartgate.config import Settings
from smartgate.declarations import services as declarations
from smartgate.declarations.containers import check_digit
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.identity import services as identity
from smartgate.shared.actor import Actor
from smartgate.shared.clock import VN_TZ as VN
from smartgate.uow import UnitOfWork


def container(serial: int, owner: str = "CSQ") -> str:
    """A valid ISO 6346 container number."""
    first_ten = f"{owner}U{serial:06d}"
    return f"{first_ten}{check_digit(first_ten)}"


def arrival(hours: int = 24) -> str:
    """An expected arrival `hours` from now, in Viet Nam time."""
    moment = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)
    return moment.astimezone(VN).isoformat()


def declaration(**changes: Any) -> dict[str, Any]:
    """The contract's durian truck, arriving tomorrow."""
    body: dict[str, Any] = {
        "gate_id": "huu-nghi",
        "direction": "export",
        "tractor_plate": "12C-123.45",
        "trailer_plate": "12R-012.34",
        "driver_name": "Nguyễn Văn An",
        "containers": ["CSQU3054383"],
        "expected_arrival": arrival(),
        "goods": [
            {
                "hs_code": "081060",
                "description": "Fresh durian",
                "gross_kg": 18000,
                "value": 25000,
                "currency": "USD",
                "perishable": True,
            }
        ],
    }
    body.update(changes)
    return body


def actor(uow: UnitOfWork, username: str) -> Actor:
    """The demo user `username` as an actor."""
    return identity.actor_for_username(uow=uow, username=username, demo_mode=True)


def demo_settings(url: str, **overrides: object) -> Settings:
    """Settings for a demo instance on `url`."""
    return Settings(database_url=url, demo=True, side="VN", **overrides)  # type: ignore[arg-type]


def plate(n: int) -> str:
    """The n-th distinct Vietnamese tractor plate."""
    return f"14C-{n // 100:03d}.{n % 100:02d}"


def goods(hs_code: str = "081060", **flags: bool) -> dict[str, Any]:
    """One goods line with the given flags."""
    return {
        "hs_code": hs_code,
        "description": "goods",
        "gross_kg": 15000,
        "value": 20000,
        "currency": "USD",
        **flags,
    }


def declare(uow: UnitOfWork, username: str = "driver1", **changes: Any) -> Any:
    """Store a declaration through the service and return what it answers."""
    data = DeclarationCreate.model_validate(declaration(**changes))
    return declarations.declare(uow=uow, actor=actor(uow, username), data=data)
