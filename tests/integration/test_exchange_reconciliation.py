"""The daily reconciliation and statistics on a real database: trucks that crossed here, the
other side's confirmations and manifests in the inbox, the report's lines, and one
statistics message per day in the outbox."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from test_queue_services import NOW
from test_trip_across import _read

from smartgate.exchange import reconciliation as rec
from smartgate.exchange import services, statistics
from smartgate.exchange.tables import OutboxRow
from smartgate.shared.clock import VN_TZ, local_day_start
from smartgate.shared.errors import Conflict, Forbidden, NotFound

from factories import actor, declare
from peers import OWN_KEY, FakePeer, manifest

DAY = NOW.astimezone(VN_TZ).date()
DAY_OVER = local_day_start(DAY + timedelta(days=1), VN_TZ) + timedelta(hours=1)


def _exited(uow, plate, seconds, direction="export"):
    # Declared and cleared (straight into the table: the way there is tested elsewhere), then
    # over the zero line by a camera read.
    trip = declare(uow, tractor_plate=plate, direction=direction)
    with uow:
        uow.session.execute(
            text("UPDATE declarations SET status = 'cleared' WHERE tractor_plate = :plate"),
            {"plate": plate},
        )
        uow.commit()
    lane = "1119-X1" if direction == "export" else "1119-N1"
    read, _ = _read(uow, "zero_line", plate, seconds, lane=lane)
    assert read.status == "matched" and read.declaration_id == trip.id, read.review_reason
    return trip


def _confirmation(kind, trip, plate, minutes, reference=None):
    moment = NOW + timedelta(minutes=minutes)
    payload = {
        "reference": reference, "gate_id": "huu-nghi", "at": moment.isoformat(),
        "tractor_plate": plate, "trailer_plate": None,
        "direction": "import" if kind == "arrival" else "export",
    }  # fmt: skip
    if kind == "arrival":
        payload["trip"] = trip
    else:
        payload["reference"] = trip
    return kind, payload, moment


def _from_the_other_side(uow, peer, *messages):
    # Each as the other side writes it: created (and here sent) when its truck crossed.
    for kind, payload, moment in messages:
        envelope = peer.envelope(kind, payload, sent_at=moment)
        services.receive(
            uow=uow, envelopes=[envelope], own_key=OWN_KEY, own_side="VN",
            now=moment + timedelta(seconds=30),
        )  # fmt: skip


@pytest.fixture
def crossings(uow):
    """A day at Hữu Nghị as both sides saw it."""
    peer = FakePeer()
    peer.register(uow)
    announced = NOW - timedelta(hours=1)
    _from_the_other_side(
        uow, peer,
        ("manifest", manifest("cn-e", 1, tractor_plate="桂A12345",
                              expected_arrival=(NOW + timedelta(hours=1)).isoformat()), announced),
        ("manifest", manifest("cn-y", 1, tractor_plate="桂A77777",
                              expected_arrival=(NOW + timedelta(hours=3)).isoformat()), announced),
        ("manifest", manifest("cn-z", 1, tractor_plate="桂A88888", status="cancelled",
                              expected_arrival=(NOW + timedelta(hours=3)).isoformat()), announced),
    )  # fmt: skip
    trips = {
        "a": _exited(uow, "12C-345.67", 100),
        "b": _exited(uow, "15C-222.22", 200),
        "c": _exited(uow, "12C-345.61", 300),
        "e": _exited(uow, "桂A12345", 400, direction="import"),
    }
    _from_the_other_side(
        uow, peer,
        _confirmation("crossing", "cn-e", "桂A12345", -20),
        _confirmation("crossing", "cn-x", "桂A54321", 30),
        _confirmation("arrival", "cn-a", "12C-345.67", 10, reference=str(trips["a"].id)),
        _confirmation("arrival", "cn-b", "15C-222.22", 120),
    )  # fmt: skip
    return trips


def _report(uow, gate_id=None, minutes=30, username="authority-vn"):
    return rec.reconciliation(
        uow=uow, actor=actor(uow, username), day=DAY, gate_id=gate_id, minutes=minutes,
        side="VN",
    )  # fmt: skip


def test_the_days_crossings_are_set_against_the_other_sides(uow, crossings) -> None:
    report = _report(uow)
    found = {
        (line.category, line.plate, line.matched_by, line.trip, line.reference)
        for line in report.lines
    }
    trip = {key: str(value.id) for key, value in crossings.items()}
    assert found == {
        ("matched", "12C-345.67", "reference", trip["a"], "cn-a"),
        ("matched", "桂A12345", "plate", trip["e"], "cn-e"),
        ("times_differ", "15C-222.22", "plate", trip["b"], "cn-b"),
        ("only_here", "12C-345.61", None, trip["c"], None),
        ("only_there", "桂A54321", None, None, "cn-x"),
        ("no_crossing", "桂A77777", None, None, "cn-y"),
    }
    assert report.counts == {
        "matched": 2, "times_differ": 1, "only_here": 1, "only_there": 1, "no_crossing": 1,
    }  # fmt: skip
    late = next(line for line in report.lines if line.category == "times_differ")
    assert late.direction == "export" and late.minutes_apart == pytest.approx(116.7, abs=0.1)
    assert next(x for x in report.lines if x.reference == "cn-e").direction == "import"


def test_n_minutes_and_the_gate_narrow_the_report(uow, crossings) -> None:
    assert _report(uow, minutes=180).counts["times_differ"] == 0
    assert _report(uow, gate_id="mong-cai").lines == []
    with pytest.raises(NotFound):
        _report(uow, gate_id="nowhere")


@pytest.mark.parametrize("username", ["operator-huunghi", "driver1"])
def test_only_the_authority_reads_the_reconciliation(uow, username) -> None:
    with pytest.raises(Forbidden):
        _report(uow, username=username)


def _statistics_messages(uow):
    with uow:
        query = select(OutboxRow.peer_id, OutboxRow.payload).where(OutboxRow.type == "statistics")
        return list(uow.session.execute(query))


def test_a_days_statistics_go_out_once_to_every_peer(uow, crossings) -> None:
    FakePeer().register(uow)
    with pytest.raises(Conflict):
        statistics.send_statistics(uow=uow, day=DAY, side="VN", now=NOW)
    sent = statistics.send_statistics(uow=uow, day=DAY, side="VN", now=DAY_OVER)
    assert (sent.peers, sent.sent_before) == (2, False)
    rows = {(g["gate_id"], g["direction"]): g for g in sent.payload["gates"]}
    assert rows["huu-nghi", "export"] | {"tonnes": 0} == {
        "gate_id": "huu-nghi", "direction": "export", "trucks": 3, "tonnes": 0,
    }  # fmt: skip
    assert rows["huu-nghi", "export"]["tonnes"] == 54.0  # three durian trucks of 18 t
    assert (rows["huu-nghi", "import"]["trucks"], rows["mong-cai", "export"]["trucks"]) == (1, 0)
    assert sent.payload["day"] == DAY.isoformat() and sent.payload["side"] == "VN"

    again = statistics.send_statistics(uow=uow, day=DAY, side="VN", now=DAY_OVER)
    assert again.sent_before and again.payload == sent.payload
    # The courier's daily look settles the same day without writing it again.
    done = statistics.send_daily_statistics_if_due(uow.session_factory, "VN", DAY_OVER)
    assert done == DAY
    messages = _statistics_messages(uow)
    assert len(messages) == 2 and len({peer for peer, _ in messages}) == 2


def test_the_courier_sends_yesterday_by_itself_once(uow, crossings) -> None:
    later = DAY_OVER + timedelta(hours=2)
    done = statistics.send_daily_statistics_if_due(uow.session_factory, "VN", later)
    assert done == DAY
    assert statistics.send_daily_statistics_if_due(uow.session_factory, "VN", later, done) == DAY
    assert [payload["day"] for _, payload in _statistics_messages(uow)] == [DAY.isoformat()]


def test_the_days_totals_stand_beside_the_other_sides_statistics(uow, crossings) -> None:
    before = {(t.gate_id, t.direction): t for t in _report(uow).totals}
    assert not _report(uow).their_statistics
    assert (before["huu-nghi", "export"].trucks_here, before["huu-nghi", "export"].tonnes_here) == (
        3,
        54.0,
    )
    assert before["huu-nghi", "export"].trucks_there is None

    peer = FakePeer()
    peer.register(uow)
    counted = [  # the CN side's day, in its naming: what it imported, this side exported
        {"gate_id": "huu-nghi", "direction": "import", "trucks": 2, "tonnes": 36.0},
        {"gate_id": "huu-nghi", "direction": "export", "trucks": 1, "tonnes": 18.0},
    ]
    # A later message of the day that this side cannot read is rejected, not shown.
    malformed = {"day": DAY.isoformat(), "side": "CN", "gates": [{"gate_id": "huu-nghi"}]}
    sent = [{"day": DAY.isoformat(), "side": "CN", "gates": counted}, malformed]
    for minutes, payload in enumerate(sent):
        moment = DAY_OVER + timedelta(minutes=minutes)
        envelope = peer.envelope("statistics", payload, sent_at=moment)
        [receipt] = services.receive(
            uow=uow, envelopes=[envelope], own_key=OWN_KEY, own_side="VN", now=moment
        )
        assert receipt.status == ("applied" if payload is not malformed else "rejected")

    report = _report(uow)
    after = {(t.gate_id, t.direction): t for t in report.totals}
    assert report.their_statistics
    assert after["huu-nghi", "export"] == rec.DayTotals("huu-nghi", "export", 3, 54.0, 2, 36.0)
    assert (after["huu-nghi", "import"].trucks_here, after["huu-nghi", "import"].trucks_there) == (
        1,
        1,
    )
    assert after["mong-cai", "export"].trucks_there == 0
    assert [(t.gate_id, t.direction) for t in _report(uow, gate_id="mong-cai").totals] == [
        ("mong-cai", "export"),
        ("mong-cai", "import"),
    ]
