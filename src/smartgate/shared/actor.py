"""Who is acting: every use-case receives one, so each context can apply its own rules."""

from dataclasses import dataclass
from typing import Literal

Role = Literal["driver", "forwarder", "operator", "authority", "peer"]
ROLES: tuple[Role, ...] = ("driver", "forwarder", "operator", "authority", "peer")


@dataclass(frozen=True)
class Actor:
    """A signed-in user as the domain sees them."""

    user_id: int
    username: str
    role: Role
    company: str | None = None
    gate_id: str | None = None  # operators only
