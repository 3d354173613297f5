"""The exchange's pure rules: what is signed, what is believed, which messages apply in
which order, and when a silent peer is tried again."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgate.exchange import keys
from smartgate.exchange import model as exchange

from peers import FakePeer, capacity

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def test_the_canonical_form_does_not_depend_on_key_order_or_spacing() -> None:
    one = {"b": 1, "a": {"y": "Hữu Nghị", "x": [1.5, None]}}
    other = {"a": {"x": [1.5, None], "y": "Hữu Nghị"}, "b": 1}
    assert exchange.canonical(one) == exchange.canonical(other)
    assert exchange.canonical(one) == '{"a":{"x":[1.5,null],"y":"Hữu Nghị"},"b":1}'.encode()


def test_numbers_are_written_as_rfc_8785_writes_them() -> None:
    # What another implementation of the scheme signs: 12000 not 12000.0, 1e-7 not 1e-07.
    assert exchange.canonical({"kg": 12000.0, "tiny": 1e-7, "big": 1e16}) == (
        b'{"big":10000000000000000,"kg":12000,"tiny":1e-7}'
    )


def test_a_signed_envelope_checks_out_with_its_senders_key_only() -> None:
    peer, stranger = FakePeer(), FakePeer()
    envelope = peer.envelope("capacity", capacity(30))
    assert keys.signed_by(envelope, keys.parse_public(peer.public_key))
    assert not keys.signed_by(envelope, keys.parse_public(stranger.public_key))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e: e["payload"].update(trucks_per_hour=300),
        lambda e: e.update(seq=e["seq"] + 1),
        lambda e: e.update(sent_at="2030-01-01T00:00:00+00:00"),
        lambda e: e.update(recipient=FakePeer().public_key),
        lambda e: e.update(extra="field"),
        lambda e: e.update(signature=e["signature"][:-4] + "AAA="),
        lambda e: e.update(signature="not base64!"),
        lambda e: e.pop("signature"),
    ],
)
def test_any_change_after_signing_breaks_the_signature(tamper) -> None:
    peer = FakePeer()
    envelope = peer.envelope("capacity", capacity(30))
    tamper(envelope)
    assert not keys.signed_by(envelope, keys.parse_public(peer.public_key))


@pytest.mark.parametrize("text", ["", "abc", "not base64!", "AAAA", "A" * 43 + "=="])
def test_a_public_key_is_32_bytes_of_base64(text: str) -> None:
    assert keys.parse_public(text) is None


def test_an_envelope_is_believed_for_ten_minutes_and_a_little_early() -> None:
    assert exchange.age_fault(NOW, NOW) is None
    assert exchange.age_fault(NOW - timedelta(minutes=9), NOW) is None
    assert exchange.age_fault(NOW + timedelta(minutes=1), NOW) is None
    assert "expired" in exchange.age_fault(NOW - timedelta(minutes=11), NOW)
    assert "future" in exchange.age_fault(NOW + timedelta(minutes=3), NOW)


@given(applied=st.integers(0, 50), waiting=st.sets(st.integers(1, 80), max_size=30))
def test_what_applies_now_follows_the_last_applied_without_a_gap(applied, waiting) -> None:
    ready = exchange.ready_in_order(applied, waiting)
    assert ready == list(range(applied + 1, applied + 1 + len(ready)))
    assert set(ready) <= waiting
    assert applied + len(ready) + 1 not in waiting  # it stops at the first gap


@given(applied=st.integers(0, 50), waiting=st.sets(st.integers(1, 80), max_size=30))
def test_the_gaps_are_exactly_the_numbers_missing_before_the_last_waiting(applied, waiting) -> None:
    missing = {n for first, last in exchange.gaps(applied, waiting) for n in range(first, last + 1)}
    later = [n for n in waiting if n > applied]
    expected = set(range(applied + 1, max(later, default=applied))) - waiting
    assert missing == expected


@given(failures=st.integers(0, 100), seed=st.integers(0, 2**32))
def test_the_wait_doubles_up_to_five_minutes_with_jitter_in_its_upper_half(failures, seed) -> None:
    delay = exchange.retry_delay(failures, random.Random(seed))
    doubled = exchange.FIRST_RETRY * 2 ** min(max(failures - 1, 0), 30)
    ceiling = min(exchange.LAST_RETRY, doubled)
    assert ceiling / 2 <= delay <= ceiling


def test_the_same_failures_give_different_waits_to_different_senders() -> None:
    waits = {exchange.retry_delay(6, random.Random(seed)) for seed in range(20)}
    assert len(waits) > 10
