"""Peers on a real database: a peer that moved or made a new key pair is updated in place,
keeps its streams, and the audit log says who changed whose signatures are believed."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from test_exchange_inbox import _cn_figure, _receive

from smartgate.exchange import keys, services
from smartgate.exchange.schemas import PeerUpdate
from smartgate.operations.tables import AuditRow
from smartgate.shared.errors import Conflict, NotFound, Unsigned, ValidationFailed

from peers import FakePeer, capacity


def _peer_log(uow, name):
    with uow:
        rows = uow.session.scalars(
            select(AuditRow).where(AuditRow.subject == "peer", AuditRow.subject_id == name)
        )
        return [(row.action, row.actor, row.before, row.after) for row in rows]


def test_a_new_key_is_believed_and_the_old_one_no_longer(uow) -> None:
    peer = FakePeer()
    peer.register(uow)
    _receive(uow, peer.envelope("capacity", capacity(21)))
    signed_before = peer.envelope("capacity", capacity(22))
    peer.key = Ed25519PrivateKey.generate()
    old_public, peer.public_key = peer.public_key, keys.public_text(peer.key.public_key())

    update = PeerUpdate(public_key=peer.public_key)
    services.update_peer(uow=uow, name=peer.name, data=update, by="admin (cli)")

    with pytest.raises(Unsigned):
        _receive(uow, signed_before)
    assert _cn_figure(uow) == 21
    # Its streams go on where they were: the next number after the old key's last one.
    _receive(uow, peer.envelope("capacity", capacity(23), seq=2))
    assert _cn_figure(uow) == 23
    [added, updated] = _peer_log(uow, peer.name)
    assert added[0] == "peer.added" and added[2] is None
    assert updated[:2] == ("peer.updated", "admin (cli)")
    assert updated[2]["public_key"] == old_public and updated[3]["public_key"] == peer.public_key


def test_a_new_address_clears_the_old_ones_failures(uow) -> None:
    peer = FakePeer()
    peer.register(uow)
    with uow:
        row = uow.exchange.peer_named(peer.name)
        row.failures, row.last_error = 7, "connection refused"
        uow.commit()
    moved = services.update_peer(
        uow=uow, name=peer.name, data=PeerUpdate(url="https://gate.example.cn/")
    )
    assert moved.url == "https://gate.example.cn" and moved.last_error is None
    with uow:
        row = uow.exchange.peer_named(peer.name)
        assert (row.failures, row.next_attempt_at) == (0, None)


def test_an_update_that_cannot_be_made_says_why_and_changes_nothing(uow) -> None:
    peer, other = FakePeer(), FakePeer()
    peer.register(uow)
    other.register(uow)
    with pytest.raises(NotFound):
        services.update_peer(uow=uow, name="nobody", data=PeerUpdate(url="https://x.example"))
    with pytest.raises(Conflict):
        services.update_peer(uow=uow, name=peer.name, data=PeerUpdate(public_key=other.public_key))
    with pytest.raises(ValidationFailed) as empty:
        services.update_peer(uow=uow, name=peer.name, data=PeerUpdate())
    assert empty.value.errors[0].field == "url"
    with pytest.raises(ValidationFailed):
        services.update_peer(uow=uow, name=peer.name, data=PeerUpdate(public_key="abc"))
    with uow:
        assert uow.exchange.peer_named(peer.name).public_key == peer.public_key
    assert [entry[0] for entry in _peer_log(uow, peer.name)] == ["peer.added"]
