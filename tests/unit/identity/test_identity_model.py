"""Pure identity rules: new users, the sign-in attempt windows, what a token still opens."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from smartgate.identity.model import (
    ATTEMPT_WINDOW,
    Account,
    attempt_keys,
    attempt_window,
    check_new_user,
    opens,
    retry_after_seconds,
    token_stands,
)

MOMENTS = st.datetimes(datetime(2026, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC))


def test_a_forwarder_must_name_a_company():
    faults = check_new_user(username="f1", role="forwarder", password="x" * 12, gate_id=None)
    assert [f.field for f in faults] == ["company"]
    named = check_new_user(
        username="f1", role="forwarder", password="x" * 12, gate_id=None, company="Xuân Cương"
    )
    assert named == []


@given(MOMENTS)
def test_a_moment_falls_in_its_window_and_retry_after_reaches_the_next(now):
    start = attempt_window(now)
    assert start <= now < start + ATTEMPT_WINDOW
    wait = retry_after_seconds(now)
    assert 1 <= wait <= ATTEMPT_WINDOW.total_seconds()
    assert attempt_window(now + timedelta(seconds=wait)) > start


@given(st.text(max_size=300), st.text(max_size=100))
def test_attempt_counters_have_bounded_keys(username, address):
    for key, limit in attempt_keys(username, address):
        assert len(key) <= 140 and limit > 0


ISSUED = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@given(st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.integers(-5, 5))
def test_a_token_stands_only_for_a_live_real_account_after_its_last_password(
    active, demo, demo_mode, revoked, seconds_after_change
):
    account = Account(active=active, demo=demo, tokens_after=ISSUED)
    issued_at = (ISSUED + timedelta(seconds=seconds_after_change)).timestamp()
    stands = token_stands(account, issued_at=issued_at, revoked=revoked, demo_mode=demo_mode)
    expected = active and (demo_mode or not demo) and not revoked and seconds_after_change >= 0
    assert stands == expected
    assert not token_stands(None, issued_at=issued_at, revoked=False, demo_mode=True)
    assert opens(account, demo_mode=demo_mode) == (active and (demo_mode or not demo))
