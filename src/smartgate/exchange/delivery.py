"""The courier: delivers the outbox to every peer, from inside the running server (a thread)
or once from the CLI (`smartgate exchange send`).

For each peer it takes the peer's lease (one server process delivers to a peer at a time,
so the wire carries each stream in order), sends the pending messages in batches, each
envelope signed at that moment, and records what the peer's inbox answered. While a peer
does not answer, it waits longer each time (`exchange.model.retry_delay`) and the messages
stay pending: delivery is at least once, and the peer's inbox makes processing exactly once.
"""

import json
import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import sessionmaker

from smartgate.exchange import keys, statistics
from smartgate.exchange import model as exchange
from smartgate.exchange.schemas import Receipt
from smartgate.exchange.services import outbox_written
from smartgate.exchange.tables import OutboxRow, PeerRow
from smartgate.shared.clock import utcnow
from smartgate.uow import UnitOfWork

log = logging.getLogger("smartgate.exchange")

INBOX_PATH = "/api/v1/exchange/inbox"
BATCH = 200  # envelopes per request, at most
MAX_BATCH_BYTES = 1_000_000  # and bytes: a quarter of a receiver's default request limit
LEASE = timedelta(seconds=30)
LOOK_EVERY = 0.25  # seconds between looks at the outbox when nothing woke the courier


@dataclass
class Courier:
    """Delivers this instance's outbox, signed with its key."""

    session_factory: sessionmaker
    key: Ed25519PrivateKey
    # The peer may wait for its database's write lock before it answers (up to 30 s on
    # SQLite): a shorter wait would send again what it is taking.
    client: httpx.Client = field(
        default_factory=lambda: httpx.Client(timeout=httpx.Timeout(60, connect=5))
    )
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], datetime] = utcnow
    # This instance's side: with it, the courier also sends each finished day's statistics.
    side: str | None = None
    holder: str = field(
        default_factory=lambda: f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )

    def __post_init__(self) -> None:
        self.public_key = keys.public_text(self.key.public_key())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._statistics_sent: date | None = None

    # --- one pass ---------------------------------------------------------------------

    def deliver_all(self, *, due_only: bool = True) -> dict[str, int]:
        """Deliver everything pending to each peer (whose back-off has passed, unless
        `due_only` is False); per peer, how many messages it took."""
        with UnitOfWork(self.session_factory).reading() as uow:
            names = {peer.id: peer.name for peer in uow.exchange.peers()}
            chosen = uow.exchange.due_peer_ids(self.clock()) if due_only else list(names)
        return {names[i]: self._deliver_to(i, due_only=due_only) for i in chosen}

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
        taken, limit = 0, BATCH
        while True:
            batch = self._claim(peer_id, limit, due_only=due_only)
            if batch is None or not batch[1]:
                return taken
            peer, rows = batch
            body, rows = self._signed(peer, rows)
            try:
                answer = self.client.post(
                    peer.url + INBOX_PATH,
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                if answer.status_code == 413 and len(rows) > 1:
                    limit = len(rows) // 2  # the peer takes smaller requests than ours
                    continue
                if answer.status_code >= 300:
                    raise ValueError(f"{answer.status_code}: {answer.text[:200]}")
                receipts = [Receipt.model_validate(item) for item in answer.json()]
            except (httpx.HTTPError, ValueError) as exc:  # pydantic's ValidationError too
                self._failed(peer, rows, _reason(exc))
                return taken
            marked, again = self._delivered(peer, rows, receipts)
            taken += marked
            # The peer answered for fewer, or lacks earlier ones: the rest on the next pass.
            if marked < len(rows) or again:
                return taken

    def _claim(
        self, peer_id: int, limit: int, *, due_only: bool
    ) -> tuple[PeerRow, list[OutboxRow]] | None:
        # The peer's lease and its next messages; None when another process delivers to it
        # now, or its back-off has not passed.
        now = self.clock()
        uow = UnitOfWork(self.session_factory)
        with uow:
            if not uow.exchange.take_sender_lease(
                peer_id, self.holder, now, now + LEASE, due_only=due_only
            ):
                return None
            peer = next(p for p in uow.exchange.peers() if p.id == peer_id)
            rows = uow.exchange.pending(peer_id, limit)
            uow.session.expunge_all()
            uow.commit()
        return peer, rows

    def _signed(self, peer: PeerRow, rows: list[OutboxRow]) -> tuple[bytes, list[OutboxRow]]:
        # The request body: the rows' envelopes, each signed now, as many as fit in
        # MAX_BATCH_BYTES (at least one).
        sent_at = self.clock().isoformat()
        parts: list[bytes] = []
        size = 2
        for row in rows:
            document = exchange.Envelope(
                id=str(row.id), stream=row.stream, seq=row.seq, type=row.type,
                version=row.version, created_at=row.created_at.isoformat(), sent_at=sent_at,
                sender=self.public_key, recipient=peer.public_key, payload=row.payload,
            ).document()  # fmt: skip
            part = json.dumps(keys.sign(document, self.key), ensure_ascii=False).encode()
            if parts and size + len(part) + 1 > MAX_BATCH_BYTES:
                break
            parts.append(part)
            size += len(part) + 1
        return b"[" + b",".join(parts) + b"]", rows[: len(parts)]

    def _delivered(
        self, peer: PeerRow, rows: list[OutboxRow], receipts: list[Receipt]
    ) -> tuple[int, int]:
        # What the peer's inbox answered for the messages sent (anything else it says is
        # ignored): delivered (applied, held, a repeat) or failed (rejected, with why). A
        # message held behind a gap of messages marked delivered here means the peer lacks
        # them (its database was restored): they go again.
        now = self.clock()
        sent = {row.id: row for row in rows}
        answered = [r for r in receipts if r.id in sent]
        uow = UnitOfWork(self.session_factory)
        with uow:
            uow.exchange.record_attempt(list(sent), now)
            uow.exchange.record_outcomes(
                peer.id,
                {
                    r.id: ("failed", r.error or "rejected") if r.status == "rejected"
                    else ("delivered", r.status)
                    for r in answered
                },
                now,
            )  # fmt: skip
            again = 0
            for receipt in answered:
                if receipt.status == "held" and receipt.gap:
                    first, last = receipt.gap
                    again += uow.exchange.send_again(peer.id, sent[receipt.id].stream, first, last)
            uow.exchange.record_contact(peer.id, now, error=None, next_attempt_at=None)
            uow.commit()
        return len({r.id for r in answered}), again

    def _failed(self, peer: PeerRow, rows: list[OutboxRow], reason: str) -> None:
        now = self.clock()
        uow = UnitOfWork(self.session_factory)
        with uow:
            uow.exchange.record_attempt([row.id for row in rows], now)
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
                if self.side is not None:
                    self._statistics_sent = statistics.send_daily_statistics_if_due(
                        self.session_factory, self.side, self.clock(), self._statistics_sent
                    )
                self.deliver_all()
            except Exception:  # noqa: BLE001 - the courier must outlive a bad pass
                log.exception("exchange: delivery pass failed")
                self._stop.wait(1)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
