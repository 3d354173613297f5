"""Exchange schemas: the envelope on the wire, the inbox's receipt, and what the authority
reads (messages, manifests, peers, the link's state)."""

import ipaddress
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field

from smartgate.exchange.model import MessageType
from smartgate.policy.schemas import Side
from smartgate.registry.model import Direction
from smartgate.shared.wording import Wording


class EnvelopeIn(BaseModel):
    """A signed message from the other side's instance (see `exchange.model.Envelope`)."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    stream: str = Field(max_length=20)
    seq: int = Field(ge=1)
    type: MessageType
    version: int = Field(ge=1)
    created_at: datetime
    sent_at: datetime
    sender: str = Field(max_length=60, description="the sender's Ed25519 public key, base64")
    recipient: str = Field(max_length=60, description="the receiver's public key, base64")
    payload: dict[str, Any]
    signature: str = Field(max_length=100, description="Ed25519 over the canonical envelope")


class _Payload(BaseModel):
    # What a message must hold to be applied; more fields are kept as they came.
    model_config = ConfigDict(extra="allow")


class CapacityPayload(_Payload):
    """A side's trucks per hour, as its authority declared them (its local hours)."""

    gate_id: str = Field(max_length=40)
    direction: Direction
    side: Side
    lane: str = Field(default="", max_length=40)
    day: date | None = None
    trucks_per_hour: int = Field(ge=0, le=1000)
    from_hour: int = Field(ge=0, le=23)
    to_hour: int = Field(ge=1, le=24)


class ManifestPayload(_Payload):
    """A version of a trip's pre-arrival manifest (docs/exchange.md lists every field)."""

    reference: str = Field(min_length=1, max_length=60)
    version: int = Field(ge=1)
    status: Literal["announced", "cancelled"]
    gate_id: str = Field(max_length=40)
    direction: Direction
    expected_arrival: AwareDatetime
    tractor_plate: str = Field(min_length=1, max_length=20)
    trailer_plate: str | None = Field(default=None, max_length=20)


class CrossingPayload(_Payload):
    """A trip over the sender's zero line (crossing), or seen arriving there (arrival)."""

    reference: str | None = Field(default=None, max_length=60)
    gate_id: str = Field(max_length=40)
    direction: Direction
    at: AwareDatetime
    tractor_plate: str = Field(max_length=20)
    trailer_plate: str | None = Field(default=None, max_length=20)


class GateTotals(BaseModel):
    """Trucks over the zero line and their gross tonnes, at one gate in one direction."""

    gate_id: str = Field(max_length=40)
    direction: Direction
    trucks: int = Field(ge=0)
    tonnes: float = Field(ge=0)


class StatisticsPayload(_Payload):
    """A side's crossings of one of its local days, by gate and direction (its naming)."""

    day: date
    side: Side
    gates: list[GateTotals] = Field(max_length=1000)


PAYLOADS: dict[str, type[_Payload]] = {
    "capacity": CapacityPayload,
    "manifest": ManifestPayload,
    "crossing": CrossingPayload,
    "arrival": CrossingPayload,
    "suspension": _Payload,
    "statistics": StatisticsPayload,
}


class Receipt(BaseModel):
    """What the inbox did with one message: applied (with any held successors it released),
    held until a missing predecessor comes, a repeat, or rejected (applied nothing, why)."""

    id: uuid.UUID
    status: Literal["applied", "held", "duplicate", "rejected"]
    gap: list[int] | None = Field(
        default=None, description="the first and last missing sequence numbers, when held"
    )
    error: str | None = None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _peer_address(url: AnyHttpUrl) -> AnyHttpUrl:
    # Manifests carry drivers' names and goods: across a border they travel encrypted. Plain
    # http is for two instances on one machine (tests, a rehearsal) only.
    if url.scheme != "https" and not _loopback(url.host or ""):
        raise ValueError(Wording("must start with https:// (http only for this machine)"))
    if url.query or url.fragment:
        raise ValueError(Wording("must be the instance's address, without ? or #"))
    if len(str(url)) > 300:
        raise ValueError(Wording("must be at most {limit} characters", limit=300))
    return url


PeerAddress = Annotated[AnyHttpUrl, AfterValidator(_peer_address)]
PeerKey = Annotated[str, Field(max_length=60)]


class PeerCreate(BaseModel):
    """The other side's instance as its administrator gives it."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    url: PeerAddress
    public_key: PeerKey


class PeerUpdate(BaseModel):
    """A peer that moved to another address or made a new key pair."""

    url: PeerAddress | None = None
    public_key: PeerKey | None = None


class PeerRead(BaseModel):
    """A registered peer."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    url: str
    public_key: str
    created_at: datetime
    last_contact_at: datetime | None
    last_error: str | None


class MessageRead(BaseModel):
    """A message sent (out) or received (in)."""

    id: uuid.UUID
    direction: Literal["in", "out"]
    peer: str
    type: str
    stream: str
    seq: int
    status: str
    created_at: datetime
    sent_at: datetime | None
    received_at: datetime | None
    payload: dict[str, Any]
    error: str | None = None


class ManifestRead(BaseModel):
    """A trip the other side announced ahead of its arrival here."""

    peer: str
    reference: str = Field(description="the sender's trip id")
    version: int
    status: Literal["announced", "cancelled"]
    gate_id: str
    direction: str = Field(description="as this side sees it: the sender's export is an import")
    expected_arrival: datetime
    tractor_plate: str
    trailer_plate: str | None
    received_at: datetime
    crossed_at: datetime | None = Field(description="when the sender saw it cross its zero line")
    manifest: dict[str, Any] = Field(description="the manifest as sent")


class PeerStatus(BaseModel):
    """How the link to one peer stands."""

    name: str
    url: str
    pending: int
    delivered: int
    failed: int
    oldest_pending_at: datetime | None = Field(description="how far behind delivery is")
    received: int
    held: int
    rejected: int
    last_received_at: datetime | None
    last_contact_at: datetime | None
    last_error: str | None
    next_attempt_at: datetime | None
    gaps: dict[str, list[list[int]]] = Field(
        description="per incoming stream, the missing sequence ranges holding messages back"
    )


class ExchangeStatus(BaseModel):
    """The link to every peer, and the latest envelopes the inbox refused."""

    side: str
    public_key: str | None
    peers: list[PeerStatus]
    refusals: list[dict[str, Any]]
