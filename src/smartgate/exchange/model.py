"""Pure rules of the exchange between the two sides' instances: what an envelope holds and
its canonical form (what is signed), when an envelope is too old to believe, the order in
which one stream's messages apply, and when to try a silent peer again.

Delivery is at least once (a sender retries until the receiver answers), processing exactly
once (the receiver applies a message id once, in sequence order per stream).
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import rfc8785

MessageType = Literal["capacity", "manifest", "crossing", "arrival", "suspension", "statistics"]
MESSAGE_TYPES: tuple[MessageType, ...] = (
    "capacity", "manifest", "crossing", "arrival", "suspension", "statistics",
)  # fmt: skip
SCHEMA_VERSION = 1
# Messages of one stream apply in the order they were written. A trip's crossing or arrival
# confirmation shares the stream of its manifest, so it never overtakes the manifest.
STREAM_OF: dict[str, str] = {
    "capacity": "capacity",
    "manifest": "trips",
    "crossing": "trips",
    "arrival": "trips",
    "suspension": "notices",
    "statistics": "statistics",
}
# An envelope is signed again at each attempt; one older than this (or from further in the
# future than clocks drift) is refused, so a captured envelope cannot be replayed later.
MAX_AGE = timedelta(minutes=10)
MAX_SKEW = timedelta(minutes=2)
# A silent peer is tried again after 1 s, 2 s, 4 s ... up to 5 minutes, each with jitter so
# that a restarted peer is not hit by every sender at once.
FIRST_RETRY = timedelta(seconds=1)
LAST_RETRY = timedelta(minutes=5)
ENVELOPE_FIELDS = (
    "id", "stream", "seq", "type", "version", "created_at", "sent_at", "sender", "recipient",
    "payload",
)  # fmt: skip
# What each direction of travel is called on the other side.
MIRRORED = {"export": "import", "import": "export"}


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the JSON Canonicalization Scheme (RFC 8785) — keys
    sorted, no whitespace, numbers as ECMAScript writes them, UTF-8 — so that a peer written
    in any language signs and checks the same bytes."""
    return rfc8785.dumps(document)


@dataclass(frozen=True)
class Envelope:
    """One message as it travels: who sent it to whom, where it stands in its stream, and
    what it says. `sent_at` is set at each attempt, just before signing."""

    id: str
    stream: str
    seq: int
    type: str
    version: int
    created_at: str  # ISO-8601, when the change that caused it committed
    sent_at: str
    sender: str  # the sender's public key, base64: a peer is known by its key
    recipient: str
    payload: dict[str, Any]

    def document(self) -> dict[str, Any]:
        """The envelope as the JSON object that is signed."""
        return {name: getattr(self, name) for name in ENVELOPE_FIELDS}


def age_fault(sent_at: datetime, now: datetime) -> str | None:
    """Why an envelope sent at `sent_at` is not believed at `now`, or None."""
    if sent_at > now + MAX_SKEW:
        return "sent in the future: check both clocks"
    if now - sent_at > MAX_AGE:
        return f"expired: sent more than {int(MAX_AGE.total_seconds() // 60)} minutes ago"
    return None


def ready_in_order(applied: int, waiting: Iterable[int]) -> list[int]:
    """The sequence numbers that apply now, in order: those that follow `applied` with no
    gap. The rest wait for their predecessors."""
    waiting = set(waiting)
    ready = []
    while applied + 1 in waiting:
        applied += 1
        ready.append(applied)
    return ready


def gaps(applied: int, waiting: Iterable[int]) -> list[tuple[int, int]]:
    """The missing sequence numbers (first, last) that hold back the waiting messages."""
    missing: list[tuple[int, int]] = []
    expected = applied + 1
    for seq in sorted(s for s in set(waiting) if s > applied):
        if seq > expected:
            missing.append((expected, seq - 1))
        expected = seq + 1
    return missing


def retry_delay(failures: int, rng: random.Random) -> timedelta:
    """How long to wait after `failures` failed attempts in a row: doubling from one second
    up to five minutes, then a random point in its upper half."""
    ceiling = min(LAST_RETRY, FIRST_RETRY * 2 ** min(max(failures - 1, 0), 20))
    return ceiling * rng.uniform(0.5, 1.0)
