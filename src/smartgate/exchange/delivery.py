"""The courier: delivers the outbox to every peer, from inside the running server (a thread)
or once from the CLI (`smartgate exchange send`).

For each peer it takes the peer's lease (one server process delivers to a peer at a time,
so the wire carries each stream in order), sends the pending messages in batches, each
envelope signed at that moment, and records what the peer's inbox answered. While a peer
does not answer, it waits longer each time (`exchange.model.retry_delay`) and the messages
stay pending: delivery is at least once, and the peer's inbox makes processing exactly once.
"""

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import sessionmaker

from smartgate.exchange import keys
from smartgate.exchange import model as exchange
from smartgate.exchange.schemas import Receipt
from smartgate.exchange.services import delivered_ids, outbox_written
from smartgate.exchange.tables import OutboxRow, PeerRow
from smartgate.shared.clock import utcnow
from smartgate.uow import UnitOfWork

log = logging.getLogger("smartgate.exchange")

INBOX_PATH = "/api/v1/exchange/inbox"
BATCH = 200  # envelopes per request
LEASE = timedelta(seconds=30)
LOOK_EVERY = 0.25  # seconds between looks at the outbox when nothing woke the courier


@dataclass
class Courier:
    """Delivers this instance's outbox, signed with its key."""

    session_factory: sessionmaker
    key: Ed25519PrivateKey
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = utcnow
    holder: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )

    def __post_init__(self) -> None:
        self.public_key = keys.public_text(self.key.public_key())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one pass ---------------------------------------------------------------------

    def deliver_all(self, *, due_only: bool = True) -> dict[str, int]:
        """Deliver everything pending to each peer (whose back-off has passed, unless
        `due_only` is False); per peer, how many messages it took."""
        with UnitOfWork(self.session_factory).reading() as uow:
            peers = [(peer.id, peer.name) for peer in uow.exchange.peers()]
        return {name: self._deliver_to(peer_id, due_only=due_only) for peer_id, name in peers}

    def _deliver_to(self, peer_id: int, *, due_only: bool) -> int:
        try:
            return self._deliver_batches(peer_id, due_only=due_only)
        finally:
            # Held for a pass only: another process (or `exchange send`) may take the next.
            uow = UnitOfWork(self.session_factory)
            with uow:
                uow.exchange.release_sender_lease(peer_id, self.holder)
                uow.commit()

    def _deliver_batches(self, peer_id: int, *, due_only: bool) -> int:
        taken = 0
        while True:
            batch = self._claim(peer_id, due_only=due_only)
            if batch is None:
                return taken
            peer, rows = batch
            if not rows:
                return taken
            try:
                receipts = self._send(peer, rows)
            except (httpx.HTTPError, ValueError) as exc:
                self._failed(peer, _reason(exc))
                return taken
            self._delivered(peer_id, receipts)
            taken += len(rows)
            if len(rows) < BATCH:
                return taken

    def _claim(self, peer_id: int, *, due_only: bool) -> tuple[PeerRow, list[OutboxRow]] | None:
        # The peer's lease and its next batch, counted as an attempt; None when another
        # process delivers to it now, or its back-off has not passed.
        now = self.clock()
        uow = UnitOfWork(self.session_factory)
        with uow:
            if not uow.exchange.take_sender_lease(
                peer_id, self.holder, now, now + LEASE, due_only=due_only
            ):
                return None
            peer = next(p for p in uow.exchange.peers() if p.id == peer_id)
            rows = uow.exchange.pending(peer_id, BATCH)
            uow.exchange.record_attempt([row.id for row in rows], now)
            uow.session.expunge_all()
            uow.commit()
        return peer, rows

    def _send(self, peer: PeerRow, rows: list[OutboxRow]) -> list[Receipt]:
        sent_at = self.clock().isoformat()
        envelopes = [
            keys.sign(
                exchange.Envelope(
                    id=str(row.id),
                    stream=row.stream,
                    seq=row.seq,
                    type=row.type,
                    version=row.version,
                    created_at=row.created_at.isoformat(),
                    sent_at=sent_at,
                    sender=self.public_key,
                    recipient=peer.public_key,
                    payload=row.payload,
                ).document(),
                self.key,
            )  # fmt: skip
            for row in rows
        ]
        answer = self.client.post(peer.url + INBOX_PATH, json=envelopes)
        if answer.status_code >= 300:
            raise ValueError(f"{answer.status_code}: {answer.text[:200]}")
        return [Receipt.model_validate(item) for item in answer.json()]

    def _delivered(self, peer_id: int, receipts: list[Receipt]) -> None:
        now = self.clock()
        uow = UnitOfWork(self.session_factory)
        with uow:
            uow.exchange.record_outcomes(delivered_ids(receipts), now)
            uow.exchange.record_contact(peer_id, now, error=None, next_attempt_at=None)
            uow.commit()

    def _failed(self, peer: PeerRow, reason: str) -> None:
        now = self.clock()
        uow = UnitOfWork(self.session_factory)
        with uow:
            failures = uow.exchange.count_failure(peer.id)
            wait = exchange.retry_delay(failures, self.rng)
            uow.exchange.record_contact(peer.id, None, error=reason, next_attempt_at=now + wait)
            uow.commit()
        log.warning(
            "exchange: %s at %s did not take the messages (%s); next try in %.1f s",
            peer.name, peer.url, reason, wait.total_seconds(),
        )  # fmt: skip

    # --- in the server ----------------------------------------------------------------

    def start(self) -> None:
        """Deliver in a background thread until `stop`."""
        self._thread = threading.Thread(target=self._run, name="exchange-courier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the current pass and end the thread."""
        self._stop.set()
        outbox_written.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self.client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            outbox_written.wait(LOOK_EVERY)
            outbox_written.clear()
            try:
                if self._anything_pending():
                    self.deliver_all()
            except Exception:  # noqa: BLE001 - the courier must outlive a bad pass
                log.exception("exchange: delivery pass failed")
                self._stop.wait(1)

    def _anything_pending(self) -> bool:
        with UnitOfWork(self.session_factory).reading() as uow:
            return uow.exchange.any_pending()


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
