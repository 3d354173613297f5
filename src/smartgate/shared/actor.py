"""Who is acting, and what each role may see: every use-case receives an Actor, and every
context filters by the one Scope written here."""

from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["driver", "forwarder", "operator", "camera", "authority", "peer"]
ROLES: tuple[Role, ...] = ("driver", "forwarder", "operator", "camera", "authority", "peer")
# Roles bound to one gate: its staff and its camera feed.
GATE_ROLES: frozenset[str] = frozenset({"operator", "camera"})
# The agencies that inspect a truck at the gate; an operator belongs to one or more of them
# (or to none: yard and queue staff).
Agency = Literal["customs", "border_guard", "quarantine"]
AGENCIES: tuple[Agency, ...] = ("customs", "border_guard", "quarantine")

# Machine accounts reach only the endpoints made for them; every other path answers 403.
MACHINE_PATHS: dict[Role, str] = {"peer": "/api/v1/exchange/", "camera": "/api/v1/gate-events"}


@dataclass(frozen=True)
class Actor:
    """A signed-in user as the domain sees them."""

    user_id: int
    username: str
    role: Role
    company: str | None = None
    gate_id: str | None = None  # operators and cameras only
    agencies: frozenset[str] = frozenset()  # operators only

    def serves(self, gate_id: str, agency: str) -> bool:
        """An operator of this gate who belongs to `agency`."""
        return self.runs(gate_id) and agency in self.agencies

    @property
    def scope(self) -> "Scope":
        """The trips (and their bookings, places in line and notices) this actor may see."""
        return scope_of(self)

    def runs(self, gate_id: str) -> bool:
        """An operator of this gate: runs its waiting area."""
        return self.role == "operator" and self.gate_id == gate_id

    def watches(self, gate_id: str) -> bool:
        """Reports what happens at this gate: its operators and its cameras."""
        return self.role in GATE_ROLES and self.gate_id == gate_id

    def oversees(self, gate_id: str) -> bool:
        """Sees this gate's queue and plans it: its operators and the authority."""
        return self.role == "authority" or self.runs(gate_id)


@dataclass(frozen=True)
class Scope:
    """A record is visible when any of the set fields matches it, or when `everything` is.
    An unset field never matches: an actor without a company sees no company's records."""

    everything: bool = False
    owner_id: int | None = None
    company: str | None = None
    gate_id: str | None = None

    def terms(self) -> dict[str, Any]:
        """The set fields and their values: owner_id, company, gate_id."""
        found = {"owner_id": self.owner_id, "company": self.company, "gate_id": self.gate_id}
        return {field: value for field, value in found.items() if value is not None}

    def allows(self, **record: Any) -> bool:
        """Whether a record with these owner_id / company / gate_id values is visible."""
        return self.everything or any(
            record.get(field) == value for field, value in self.terms().items()
        )


def scope_of(actor: Actor) -> Scope:
    """A driver sees their own trips, a forwarder also their company's, an operator (and a
    camera) their gate's, the authority every gate of its side; a peer no trip at all."""
    if actor.role == "authority":
        return Scope(everything=True)
    if actor.role in GATE_ROLES:  # a camera reaches nothing but its gate's event feed
        return Scope(gate_id=actor.gate_id) if actor.gate_id else Scope()
    if actor.role == "forwarder":
        return Scope(owner_id=actor.user_id, company=actor.company or None)
    if actor.role == "driver":
        return Scope(owner_id=actor.user_id)
    return Scope()


def may_reach(role: Role, path: str) -> bool:
    """Whether an account of this role may call `path` at all (machine roles: their own
    endpoints only)."""
    own = MACHINE_PATHS.get(role)
    return own is None or path.startswith(own)
