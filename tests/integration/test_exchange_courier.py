"""The courier against a peer that misbehaves on the wire (httpx's own transport stands in for
the other instance): requests too large for it, answers for other messages, silence, and a
peer that lost messages it had taken."""

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from test_exchange_inbox import GATE_ALONE, _forget

from smartgate.exchange.delivery import Courier
from smartgate.exchange.tables import OutboxRow, PeerRow
from smartgate.policy import services as policy
from smartgate.policy.schemas import CapacityIn
from smartgate.uow import UnitOfWork

from factories import actor
from peers import FakePeer

MESSAGES = 6


@pytest.fixture
def world(backend) -> Iterator[tuple[sessionmaker, FakePeer]]:
    # Committed work, as the courier reads it: a peer of its own and six capacity messages
    # for it, at a gate no other test counts.
    factory = sessionmaker(bind=backend, expire_on_commit=False)
    peer = FakePeer()
    peer.register(UnitOfWork(factory))
    for trucks in range(1, MESSAGES + 1):
        uow = UnitOfWork(factory)
        data = CapacityIn(direction="export", trucks_per_hour=trucks, from_hour=7, to_hour=19)
        policy.declare_capacity(
            uow=uow, actor=actor(uow, "authority-vn"), gate_id=GATE_ALONE, data=data,
            own_side="VN",
        )  # fmt: skip
    yield factory, peer
    _forget(factory, peer)


def _courier(factory, answer) -> tuple[Courier, list[list[dict]]]:
    seen: list[list[dict]] = []

    def peer(request: httpx.Request) -> httpx.Response:
        batch = json.loads(request.content)
        seen.append(batch)
        return answer(batch)

    courier = Courier(
        factory, FakePeer().key, client=httpx.Client(transport=httpx.MockTransport(peer))
    )
    return courier, seen


def _outbox(factory, peer: FakePeer) -> list[tuple[int, str, int]]:
    with factory() as session:
        peer_id = session.scalar(select(PeerRow.id).where(PeerRow.name == peer.name))
        rows = session.execute(
            select(OutboxRow.seq, OutboxRow.status, OutboxRow.attempts)
            .where(OutboxRow.peer_id == peer_id)
            .order_by(OutboxRow.seq)
        )
        return [tuple(row) for row in rows]


def _applied(batch: list[dict]) -> httpx.Response:
    return httpx.Response(200, json=[{"id": e["id"], "status": "applied"} for e in batch])


def test_a_peer_that_takes_smaller_requests_gets_smaller_ones(world) -> None:
    factory, peer = world
    courier, seen = _courier(
        factory, lambda batch: httpx.Response(413) if len(batch) > 2 else _applied(batch)
    )
    assert courier.deliver_all() == {peer.name: MESSAGES}
    assert [len(b) for b in seen] == [6, 3, 1, 1, 1, 1, 1, 1]
    # Each envelope numbered in order, each delivered once, counted once as sent.
    assert _outbox(factory, peer) == [(n, "delivered", 1) for n in range(1, MESSAGES + 1)]
    assert [e["seq"] for b in seen[2:] for e in b] == list(range(1, MESSAGES + 1))


def test_answers_for_other_messages_mark_nothing(world) -> None:
    factory, peer = world

    def confused(batch):
        strangers = [{"id": str(uuid.uuid4()), "status": "applied"} for _ in batch]
        return httpx.Response(200, json=strangers + [{"id": batch[0]["id"], "status": "applied"}])

    courier, seen = _courier(factory, confused)
    courier.deliver_all()
    assert len(seen) == 1  # the rest wait for the next pass
    assert [status for _, status, _ in _outbox(factory, peer)] == ["delivered"] + ["pending"] * 5


def test_a_silent_peer_is_left_alone_until_its_wait_is_over(world) -> None:
    factory, peer = world

    def down(batch):
        raise httpx.ConnectError("connection refused")

    courier, _ = _courier(factory, down)
    assert courier.deliver_all() == {peer.name: 0}
    assert {status for _, status, _ in _outbox(factory, peer)} == {"pending"}
    with factory() as session:
        stored = session.scalar(select(PeerRow).where(PeerRow.name == peer.name))
        assert stored.failures == 1 and "refused" in stored.last_error
        assert stored.next_attempt_at is not None
    assert courier.deliver_all() == {}  # within its wait: not even tried
    courier, seen = _courier(factory, _applied)
    assert courier.deliver_all(due_only=False) == {peer.name: MESSAGES}  # exchange send
    with factory() as session:
        stored = session.scalar(select(PeerRow).where(PeerRow.name == peer.name))
        assert stored.failures == 0 and stored.last_error is None


def test_messages_a_peer_lost_go_again(world) -> None:
    # The peer's database was restored: it holds the next message behind a gap of ones it
    # had taken.
    factory, peer = world
    first, _ = _courier(factory, lambda batch: _applied(batch[:4]))
    first.deliver_all()
    assert [s for _, s, _ in _outbox(factory, peer)] == ["delivered"] * 4 + ["pending"] * 2

    def restored(batch):
        receipts = [{"id": e["id"], "status": "held", "gap": [2, 4]} for e in batch]
        return httpx.Response(200, json=receipts)

    again, seen = _courier(factory, restored)
    again.deliver_all()
    assert [s for _, s, _ in _outbox(factory, peer)][1:4] == ["pending"] * 3
