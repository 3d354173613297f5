"""The outbox on a real database: what this side tells the other is written in the
transaction of the change that causes it, numbered in its stream, for every peer."""

import pytest
from sqlalchemy import select
from test_queue_services import NOW
from test_trip_across import _capacity, _cleared, _read

from smartgate.declarations import amendments
from smartgate.declarations.schemas import GoodsLineUpdate
from smartgate.exchange.tables import OutboxRow
from smartgate.policy import services as policy
from smartgate.policy.schemas import CapacityIn, SuspensionIn
from smartgate.shared.errors import NotFound

from factories import actor, declare
from peers import FakePeer


def _outbox(uow, message_type=None):
    with uow:
        query = select(OutboxRow).order_by(OutboxRow.peer_id, OutboxRow.stream, OutboxRow.seq)
        if message_type:
            query = query.where(OutboxRow.type == message_type)
        return [(r.peer_id, r.type, r.seq, r.payload) for r in uow.session.scalars(query)]


def _declare_capacity(uow, gate="huu-nghi", side=None, trucks=25):
    data = CapacityIn(
        direction="export", trucks_per_hour=trucks, from_hour=7, to_hour=19, side=side
    )
    return policy.declare_capacity(
        uow=uow, actor=actor(uow, "authority-vn"), gate_id=gate, data=data, own_side="VN", now=NOW
    )


def test_without_a_peer_nothing_is_written(uow) -> None:
    _declare_capacity(uow)
    declare(uow)
    assert _outbox(uow) == []


def test_this_sides_capacity_goes_to_every_peer_numbered_in_its_stream(uow) -> None:
    for _ in range(2):
        FakePeer().register(uow)
    _declare_capacity(uow, trucks=25)
    _declare_capacity(uow, trucks=30)
    _declare_capacity(uow, side="CN", trucks=12)  # typed here for the other side: not sent
    sent = _outbox(uow, "capacity")
    assert [(seq, payload["trucks_per_hour"]) for _, _, seq, payload in sent] == [
        (1, 25), (2, 30), (1, 25), (2, 30),
    ]  # fmt: skip
    assert len({peer for peer, *_ in sent}) == 2
    assert sent[0][3] == {
        "gate_id": "huu-nghi", "direction": "export", "side": "VN", "lane": "", "day": None,
        "trucks_per_hour": 25, "from_hour": 7, "to_hour": 19,
    }  # fmt: skip


def test_a_change_that_fails_writes_no_message(uow) -> None:
    FakePeer().register(uow)
    with pytest.raises(NotFound):
        _declare_capacity(uow, gate="nowhere")
    assert _outbox(uow) == []


def test_a_trip_towards_the_other_side_is_announced_in_versions_to_its_cancellation(uow) -> None:
    FakePeer().register(uow)
    trip = declare(uow)
    declare(uow, direction="import", tractor_plate="12C-999.99", containers=[])  # comes to us
    driver = actor(uow, "driver1")
    amendments.amend_goods_line(
        uow=uow, actor=driver, declaration_id=trip.id, line_no=1,
        changes=GoodsLineUpdate(gross_kg=17500),
    )  # fmt: skip
    amendments.cancel(uow=uow, actor=driver, declaration_id=trip.id)
    sent = _outbox(uow, "manifest")
    assert [(seq, p["version"], p["status"]) for _, _, seq, p in sent] == [
        (1, 1, "announced"), (2, 2, "announced"), (3, 3, "cancelled"),
    ]  # fmt: skip
    first = sent[0][3]
    assert first["reference"] == str(trip.id) and first["tractor_plate"] == "12C-123.45"
    assert first["goods"][0] | {"gross_kg": 0} == {
        "line_no": 1, "hs_code": "081060", "description": "Fresh durian", "gross_kg": 0,
        "value": 25000.0, "currency": "USD", "flags": ["perishable"],
    }  # fmt: skip
    assert sent[1][3]["goods"][0]["gross_kg"] == 17500


def test_suspensions_set_and_lifted_are_noticed(uow) -> None:
    FakePeer().register(uow)
    authority = actor(uow, "authority-vn")
    stop = policy.suspend(
        uow=uow, actor=authority, now=NOW,
        data=SuspensionIn(reason="African swine fever", gate_id="huu-nghi", hs_prefixes=["0203"]),
    )  # fmt: skip
    policy.lift(uow=uow, actor=authority, suspension_id=stop.id, now=NOW)
    sent = _outbox(uow, "suspension")
    assert [(p["action"], p["reason"], p["hs_prefixes"]) for *_, p in sent] == [
        ("set", "African swine fever", ["0203"]), ("lifted", "African swine fever", ["0203"]),
    ]  # fmt: skip


def test_a_truck_over_the_zero_line_is_confirmed_in_the_stream_of_its_manifest(uow) -> None:
    FakePeer().register(uow)
    _capacity(uow, vn=40, cn=40)
    trip = _cleared(uow, "12C-345.67")
    read, _ = _read(uow, "zero_line", "12C-345.67", 8100, lane="1119-X1")
    assert read.status == "matched"
    trips = [(t, seq, p) for _, t, seq, p in _outbox(uow) if t in ("manifest", "crossing")]
    assert [(t, seq) for t, seq, _ in trips] == [("manifest", 1), ("crossing", 2)]
    crossing = trips[-1][2]
    assert crossing["reference"] == str(trip.id) and crossing["direction"] == "export"
    assert crossing["tractor_plate"] == "12C-345.67"
