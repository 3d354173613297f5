"""The inbox on a real database: who is believed, each message applied once and in order,
gaps held and reported, and what applying a message changes."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from smartgate.exchange import services
from smartgate.exchange.tables import (
    InboxRow,
    ManifestRow,
    OutboxRow,
    PeerRow,
    RefusalRow,
    StreamRow,
)
from smartgate.policy import services as policy
from smartgate.shared.errors import Forbidden, Unsigned, ValidationFailed
from smartgate.uow import UnitOfWork

from factories import actor
from peers import OWN_KEY, FakePeer, capacity, manifest
from rollback import rolled_back

DAY = date.today() + timedelta(days=3)
GATE_ALONE = "coc-nam"


def _receive(uow, *envelopes, now=None):
    return services.receive(
        uow=uow, envelopes=list(envelopes), own_key=OWN_KEY, own_side="VN", now=now
    )


def _cn_figure(uow, day: date = DAY, gate: str = "huu-nghi") -> int | None:
    # The CN side's trucks per hour at 10:00 its time, as the VN instance holds it.
    hours = policy.capacity_day(uow=uow, gate_id=gate, direction="import", day=day, side="CN").hours
    return hours[10].cn


def _refusals(uow) -> int:
    with uow:
        return uow.session.scalar(select(func.count()).select_from(RefusalRow))


@pytest.fixture
def peer(uow) -> FakePeer:
    registered = FakePeer()
    registered.register(uow)
    return registered


def test_the_other_sides_capacity_becomes_its_figure_here_with_its_source(uow, peer) -> None:
    [receipt] = _receive(uow, peer.envelope("capacity", capacity(22, day=DAY.isoformat())))
    assert receipt.status == "applied"
    assert _cn_figure(uow) == 22
    answer = policy.capacity_day(
        uow=uow, gate_id="huu-nghi", direction="import", day=DAY, side="CN"
    )
    source = next(s for s in answer.sources if s.declared_by == f"peer:{peer.name}")
    assert source.side == "CN" and source.received


def test_a_repeat_changes_nothing_and_says_so(uow, peer) -> None:
    first = peer.envelope("capacity", capacity(22, day=DAY.isoformat()))
    assert _receive(uow, first)[0].status == "applied"
    # The same envelope again (a retry, or someone replaying it) after a newer figure.
    assert (
        _receive(uow, peer.envelope("capacity", capacity(35, day=DAY.isoformat())))[0].status
        == "applied"
    )
    assert _receive(uow, first)[0].status == "duplicate"
    assert _cn_figure(uow) == 35


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: FakePeer().envelope("capacity", capacity(99)), "unknown sender"),
        (lambda p: _tampered(p.envelope("capacity", capacity(20))), "bad signature"),
        (
            lambda p: p.envelope("capacity", capacity(99), recipient=FakePeer().public_key),
            "not addressed",
        ),
        (
            lambda p: p.envelope(
                "capacity", capacity(99), sent_at=datetime.now(UTC) - timedelta(hours=1)
            ),
            "expired",
        ),
        (
            lambda p: p.envelope(
                "capacity", capacity(99), sent_at=datetime.now(UTC) + timedelta(hours=1)
            ),
            "future",
        ),
    ],
)
def test_an_envelope_not_believed_is_refused_logged_and_applies_nothing(
    uow, peer, make, reason
) -> None:
    before, logged = _cn_figure(uow), _refusals(uow)
    with pytest.raises(Unsigned) as refused:
        _receive(uow, make(peer))
    # The answer says no more than that; the log says why.
    assert "not signed by a registered peer" in str(refused.value)
    assert _refusals(uow) == logged + 1
    with uow:
        [latest] = uow.exchange.refusals(1)
        assert reason in latest.reason
    assert _cn_figure(uow) == before


def _tampered(envelope):
    envelope["payload"]["trucks_per_hour"] = 99
    return envelope


def test_one_bad_envelope_in_a_batch_refuses_the_batch(uow, peer) -> None:
    good = peer.envelope("capacity", capacity(21, day=DAY.isoformat()))
    with pytest.raises(Unsigned):
        _receive(uow, good, _tampered(peer.envelope("capacity", capacity(20))))
    with uow:
        assert uow.exchange.received(uuid.UUID(good["id"])) is None


def test_a_malformed_envelope_names_its_field(uow, peer) -> None:
    envelope = peer.envelope("capacity", capacity(21))
    del envelope["seq"]
    with pytest.raises(ValidationFailed) as refused:
        _receive(uow, envelope, peer.envelope("capacity", capacity(21)))
    assert [e.field for e in refused.value.errors] == ["0.seq"]


def test_a_message_waits_for_its_predecessor_and_the_gap_is_reported(uow, peer) -> None:
    first = peer.envelope("capacity", capacity(10, day=DAY.isoformat()))
    second = peer.envelope("capacity", capacity(20, day=DAY.isoformat()))
    third = peer.envelope("capacity", capacity(30, day=DAY.isoformat()))
    held = _receive(uow, third)[0]
    assert (held.status, held.gap) == ("held", [1, 2])
    assert _receive(uow, second)[0].gap == [1, 1]
    gaps = services.status(uow=uow, actor=None, own_side="VN", public_key=None)
    mine = next(p for p in gaps.peers if p.name == peer.name)
    assert mine.gaps == {"capacity": [[1, 1]]} and mine.held == 2
    assert _cn_figure(uow) != 30
    # The missing one comes: all three apply, in their order, so the last figure stands.
    assert _receive(uow, first)[0].status == "applied"
    assert _cn_figure(uow) == 30
    with uow:
        assert {r.status for r in uow.exchange.held(1, "capacity").values()} == set()


def test_a_message_that_cannot_apply_is_rejected_and_the_stream_goes_on(uow, peer) -> None:
    wrong_gate = peer.envelope("capacity", capacity(50, gate_id="nowhere"))
    own_side = peer.envelope("capacity", capacity(50, side="VN"))
    fine = peer.envelope("capacity", capacity(44, day=DAY.isoformat()))
    receipts = _receive(uow, wrong_gate, own_side, fine)
    assert [r.status for r in receipts] == ["rejected", "rejected", "applied"]
    assert "nowhere" in receipts[0].error and "this side" in receipts[1].error
    assert _cn_figure(uow) == 44


def _crossing(reference: str, at: str) -> dict:
    return {"reference": reference, "gate_id": "huu-nghi", "direction": "export", "at": at,
            "tractor_plate": "桂B22222", "trailer_plate": None}  # fmt: skip


@pytest.mark.parametrize(
    ("message_type", "payload", "version"),
    [
        ("crossing", _crossing("x", "2026-12-06T09:30:00"), 1),  # no time zone
        ("manifest", manifest("x", 0), 1),
        ("manifest", manifest("x", 1, gate_id="g" * 60), 1),
        ("manifest", manifest("x", 1, tractor_plate=""), 1),
        ("manifest", manifest("x", 1, expected_arrival="tomorrow"), 1),
        ("capacity", capacity(-1), 1),
        ("capacity", capacity(10, day="1999-01-01"), 1),
        ("capacity", capacity(10), 2),  # a schema this instance does not know yet
    ],
)
def test_a_message_that_does_not_fit_is_rejected_and_the_stream_goes_on(
    uow, peer, message_type, payload, version
) -> None:
    bad = peer.envelope(message_type, payload, version=version)
    reference = str(uuid.uuid4())
    fine = peer.envelope("manifest", manifest(reference, 1))
    later = peer.envelope("crossing", _crossing(reference, "2026-12-06T09:30:00+08:00"))
    receipts = _receive(uow, bad, fine, later)
    assert [r.status for r in receipts] == ["rejected", "applied", "applied"]
    assert receipts[0].error


def test_a_manifest_keeps_its_latest_version_whatever_the_order(uow, peer) -> None:
    reference = str(uuid.uuid4())
    v1 = peer.envelope("manifest", manifest(reference, 1))
    v2 = peer.envelope("manifest", manifest(reference, 2, tractor_plate="桂B22222"))
    crossed = peer.envelope("crossing", _crossing(reference, "2026-12-06T09:30:00+08:00"))
    v3 = peer.envelope("manifest", manifest(reference, 3, status="cancelled"))
    _receive(uow, v2, crossed, v1)
    authority = actor(uow, "authority-vn")
    [announced] = [
        m for m in services.manifests(uow=uow, actor=authority, gate_id="huu-nghi")
        if m.reference == reference
    ]  # fmt: skip
    assert (announced.version, announced.tractor_plate, announced.direction) == (
        2, "桂B22222", "import",
    )  # fmt: skip
    assert announced.crossed_at == datetime(2026, 12, 6, 1, 30, tzinfo=UTC)
    _receive(uow, v3)
    [cancelled] = [
        m for m in services.manifests(uow=uow, actor=authority, gate_id="huu-nghi")
        if m.reference == reference
    ]  # fmt: skip
    assert cancelled.status == "cancelled" and cancelled.version == 3


def test_manifests_are_read_by_the_authority_and_the_gates_operators_only(uow, peer) -> None:
    services.manifests(uow=uow, actor=actor(uow, "operator-huunghi"), gate_id="huu-nghi")
    for username, gate in [("operator-huunghi", "mong-cai"), ("operator-huunghi", None),
                           ("driver1", "huu-nghi"), ("forwarder1", "huu-nghi")]:  # fmt: skip
        with pytest.raises(Forbidden):
            services.manifests(uow=uow, actor=actor(uow, username), gate_id=gate)
    with pytest.raises(Forbidden):
        services.messages(uow=uow, actor=actor(uow, "operator-huunghi"))


# --- drops, repeats and reorderings on the wire ---------------------------------------

WIRE = st.lists(st.integers(0, 5), min_size=4, max_size=6).flatmap(
    lambda values: st.tuples(
        st.just(values),
        # The order the envelopes travel in: some sent twice or more, some dropped for a while.
        st.lists(st.integers(0, len(values) - 1), max_size=3 * len(values)),
    )
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(wire=WIRE)
def test_any_drops_repeats_and_reorderings_give_the_state_of_perfect_delivery(
    backend, wire
) -> None:
    values, order = wire
    day = (DAY + timedelta(days=len(values))).isoformat()
    with rolled_back(backend) as uow:
        peer = FakePeer()
        peer.register(uow)
        reference = str(uuid.uuid4())
        envelopes = []
        for version, trucks in enumerate(values, start=1):
            envelopes.append(peer.envelope("capacity", capacity(trucks * 10 + 1, day=day)))
            envelopes.append(
                peer.envelope(
                    "manifest", manifest(reference, version, driver={"name": f"v{trucks}"})
                )
            )
        # What the sender retries until each was answered: at least once, in any order.
        for index in order:
            _receive(uow, envelopes[index % len(envelopes)])
        for envelope in envelopes:
            _receive(uow, envelope)
        assert _cn_figure(uow, date.fromisoformat(day)) == values[-1] * 10 + 1
        authority = actor(uow, "authority-vn")
        [announced] = [
            m for m in services.manifests(uow=uow, actor=authority, gate_id="huu-nghi")
            if m.reference == reference
        ]  # fmt: skip
        assert announced.version == len(values)
        assert announced.manifest["driver"] == {"name": f"v{values[-1]}"}
        with uow:
            stored = uow.session.scalars(
                select(InboxRow.status).where(InboxRow.payload.is_not(None))
                .where(InboxRow.id.in_([uuid.UUID(e["id"]) for e in envelopes]))
            ).all()  # fmt: skip
        assert sorted(stored) == ["applied"] * len(envelopes)


# --- many deliveries at once -----------------------------------------------------------


def test_the_same_messages_delivered_at_once_from_many_connections_apply_once(backend) -> None:
    # Committed work from many threads, as two courier processes and a replay would do.
    factory = sessionmaker(bind=backend, expire_on_commit=False)
    peer = FakePeer()
    peer.register(UnitOfWork(factory))
    day = (DAY + timedelta(days=40)).isoformat()
    # A gate of its own: what it commits (capacity, its audit entries) stays there.
    envelopes = [
        peer.envelope("capacity", capacity(n, day=day, gate_id=GATE_ALONE)) for n in range(1, 6)
    ]
    calls = [envelopes[i % 5] for i in range(30)]
    start = threading.Barrier(len(calls))

    def deliver(envelope):
        start.wait()
        return _receive(UnitOfWork(factory), envelope)[0].status

    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            statuses = list(pool.map(deliver, calls))
        assert statuses.count("applied") + statuses.count("held") == 5
        assert statuses.count("duplicate") == 25
        uow = UnitOfWork(factory)
        assert _cn_figure(uow, date.fromisoformat(day), GATE_ALONE) == 5
        with uow:
            ids = [uuid.UUID(e["id"]) for e in envelopes]
            stored = uow.session.scalars(select(InboxRow.status).where(InboxRow.id.in_(ids)))
            assert stored.all() == ["applied"] * 5
    finally:
        _forget(factory, peer)


def _forget(factory, peer: FakePeer) -> None:
    # The other tests expect no committed peer: each of them registers its own.
    with factory() as session, session.begin():
        peer_id = session.scalar(select(PeerRow.id).where(PeerRow.name == peer.name))
        for table in (InboxRow, StreamRow, OutboxRow, ManifestRow):
            session.execute(delete(table).where(table.peer_id == peer_id))
        session.execute(delete(PeerRow).where(PeerRow.id == peer_id))
