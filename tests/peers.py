"""The other side's instance as an inbox sees it: a key pair that signs envelopes, numbered in
their streams, addressed to this instance's key."""

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smartgate.exchange import keys, services
from smartgate.exchange import model as exchange
from smartgate.exchange.schemas import PeerCreate
from smartgate.uow import UnitOfWork

# This instance's own key, as the inbox knows it (the envelopes are addressed to it).
OWN_KEY = keys.public_text(Ed25519PrivateKey.generate().public_key())
_names = itertools.count(1)


class FakePeer:
    """Signs envelopes as a registered (or unregistered) peer would."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.public_key = keys.public_text(self.key.public_key())
        self.name = f"cn-{uuid.uuid4().hex[:8]}-{next(_names)}"
        self._seqs: dict[str, itertools.count[int]] = {}

    def register(self, uow: UnitOfWork) -> None:
        """Make this peer known to the instance of `uow`."""
        data = PeerCreate(name=self.name, url="http://127.0.0.1:9", public_key=self.public_key)  # type: ignore[arg-type]
        services.add_peer(uow=uow, data=data)

    def envelope(
        self,
        message_type: str,
        payload: dict[str, Any],
        *,
        seq: int | None = None,
        sent_at: datetime | None = None,
        recipient: str = OWN_KEY,
        version: int = exchange.SCHEMA_VERSION,
    ) -> dict[str, Any]:
        """A signed envelope, next in its stream unless `seq` is given."""
        stream = exchange.STREAM_OF[message_type]
        if seq is None:
            seq = next(self._seqs.setdefault(stream, itertools.count(1)))
        moment = (sent_at or datetime.now(UTC)).isoformat()
        document = exchange.Envelope(
            id=str(uuid.uuid4()), stream=stream, seq=seq, type=message_type,
            version=version, created_at=moment, sent_at=moment,
            sender=self.public_key, recipient=recipient, payload=payload,
        ).document()  # fmt: skip
        return keys.sign(document, self.key)


def capacity(trucks_per_hour: int, day: str | None = None, **changes: Any) -> dict[str, Any]:
    """The CN side's capacity declaration for Hữu Nghị exports (its view), 07:00-19:00."""
    return {
        "gate_id": "huu-nghi", "direction": "export", "side": "CN", "lane": "",
        "trucks_per_hour": trucks_per_hour, "from_hour": 7, "to_hour": 19, "day": day,
    } | changes  # fmt: skip


def manifest(reference: str, version: int, **changes: Any) -> dict[str, Any]:
    """Version `version` of the CN side's manifest for its trip `reference`."""
    return {
        "reference": reference, "version": version, "status": "announced",
        "gate_id": "huu-nghi", "direction": "export",
        "expected_arrival": "2026-12-06T09:00:00+08:00",
        "tractor_plate": "桂A12345", "trailer_plate": "桂A6789挂", "delivery_mode": "direct",
        "driver": {"name": "李明"}, "containers": [],
        "goods": [{"line_no": 1, "hs_code": "850440", "description": "Inverters",
                   "gross_kg": 12000.0, "value": 80000.0, "currency": "USD", "flags": []}],
        "flags": [],
    } | changes  # fmt: skip
