"""Tokens: who they name, how long a recognised one is remembered, and what voids one at once
(signing out, a switched-off account, a new password, demo mode ending)."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt
import pytest

from smartgate.identity import remembered
from smartgate.identity import repository as tokens
from smartgate.identity import services as identity
from smartgate.identity.security import make_token, read_token
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import Conflict, TooManyRequests

from factories import declare

SECRET = "test-secret-of-at-least-thirty-two-characters"
MINUTES = 60


def _token(username: str, minutes: int = 10, issued_minutes_ago: int = 0) -> str:
    issued = utcnow() - timedelta(minutes=issued_minutes_ago)
    return make_token(username=username, secret=SECRET, now=issued, minutes=minutes)


def _actor(uow, token, demo_mode=True):
    return identity.actor_for_token(uow=uow, token=token, secret=SECRET, demo_mode=demo_mode)


def _memory(uow):
    return remembered.remembered_tokens(uow.database)


def test_a_token_names_its_user_and_is_then_remembered(uow):
    token = _token("driver1")
    actor = _actor(uow, token)
    assert actor is not None and (actor.username, actor.role) == ("driver1", "driver")
    memory = _memory(uow)
    assert memory.recall(token, memory.version) == actor


def _without_id(username: str) -> str:
    claims = {"sub": username, "iat": utcnow().timestamp(), "exp": utcnow() + timedelta(hours=1)}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.mark.parametrize(
    "token",
    [_token("driver1") + "x", _token("driver1", minutes=5, issued_minutes_ago=6),
     _token("nobody"), _without_id("driver1")],
    ids=["forged", "expired", "unknown user", "no token id"],
)  # fmt: skip
def test_bad_tokens_name_nobody_and_are_not_remembered(uow, token):
    assert _actor(uow, token) is None
    memory = _memory(uow)
    assert memory.recall(token, memory.version) is None


def test_signing_out_voids_the_token_at_once_though_it_was_remembered(uow):
    token, other = _token("driver1"), _token("driver1")
    assert _actor(uow, token) is not None and _actor(uow, other) is not None
    identity.sign_out(uow=uow, token=token, secret=SECRET)
    assert _actor(uow, token) is None
    assert _actor(uow, other) is not None  # the same user's other sign-in stays
    identity.sign_out(uow=uow, token=token, secret=SECRET)  # twice is harmless


def test_another_process_forgets_a_token_signed_out_elsewhere(uow):
    token = _token("driver2")
    assert _actor(uow, token) is not None
    # Another process keeps its own memory; only the change log tells it.
    elsewhere = remembered.RememberedTokens()
    token_id = read_token(token, secret=SECRET).token_id
    elsewhere.remember(
        token, remembered.Remembered(_actor(uow, token), token_id, 1e12), checked_at=0
    )
    identity.sign_out(uow=uow, token=token, secret=SECRET)
    version = int(uow.committed_scalar(tokens.CREDENTIALS_VERSION))
    with uow.autocommit() as connection:
        elsewhere.follow(version, tokens.credential_changes_after(connection, elsewhere.version))
    assert elsewhere.version == version and elsewhere.recall(token, version) is None


def test_a_disabled_account_stops_at_once_and_cannot_sign_in(uow):
    token = _token("operator-mongcai")
    assert _actor(uow, token) is not None
    identity.disable_user(uow=uow, username="operator-mongcai", token_minutes=MINUTES)
    assert _actor(uow, token) is None
    with pytest.raises(identity.BadCredentials):
        _sign_in(uow, "operator-mongcai", "demo")


def test_a_new_password_voids_earlier_tokens_only(uow):
    before = _token("driver2")
    assert _actor(uow, before) is not None
    identity.set_password(
        uow=uow, username="driver2", password="a-new-long-password", demo=True,
        token_minutes=MINUTES,
    )  # fmt: skip
    assert _actor(uow, before) is None
    after = _sign_in(uow, "driver2", "a-new-long-password").access_token
    assert _actor(uow, after) is not None
    with pytest.raises(identity.BadCredentials):
        _sign_in(uow, "driver2", "demo")


def test_a_token_of_a_deleted_account_opens_no_new_account_of_that_name(uow):
    made = identity.NewUser("reused-name", "a-long-enough-password", "driver", "First")
    identity.create_user(uow=uow, new=made)
    old = _token("reused-name")
    assert _actor(uow, old) is not None
    identity.delete_user(uow=uow, username="reused-name", token_minutes=MINUTES)
    assert _actor(uow, old) is None
    again = identity.NewUser("reused-name", "a-long-enough-password", "authority", "Second")
    identity.create_user(uow=uow, new=again)
    assert _actor(uow, old) is None
    declare(uow, "driver2")
    with pytest.raises(Conflict, match="disable the account instead"):
        identity.delete_user(uow=uow, username="driver2", token_minutes=MINUTES)


def test_demo_accounts_open_only_in_demo_mode(uow):
    token = _token("authority-vn")
    assert _actor(uow, token, demo_mode=False) is None
    with pytest.raises(identity.BadCredentials):
        _sign_in(uow, "authority-vn", "demo", demo_mode=False)
    assert _sign_in(uow, "authority-vn", "demo", demo_mode=True).access_token


def test_set_password_outside_demo_mode_makes_a_demo_account_real(uow):
    identity.set_password(
        uow=uow, username="driver1", password="a-real-password-now", demo=False,
        token_minutes=MINUTES,
    )  # fmt: skip
    token = _sign_in(uow, "driver1", "a-real-password-now", demo_mode=False).access_token
    assert _actor(uow, token, demo_mode=False) is not None


def _sign_in(uow, username, password, demo_mode=True, address="192.0.2.1", hashing=None):
    signing_in = identity.sign_in(
        uow=uow, username=username, password=password, address=address, secret=SECRET,
        minutes=MINUTES, demo_mode=demo_mode, hashing=hashing or _HASHING,
    )  # fmt: skip
    return asyncio.run(signing_in)


_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hashing")


@pytest.fixture
def mid_window(monkeypatch):
    """Sign-ins counted at one moment inside the current window: a burst that straddled the
    quarter hour would start a fresh count half-way and never reach the limit."""
    from smartgate.identity.model import ATTEMPT_WINDOW

    now = utcnow()
    start = now - (now - now.replace(minute=0, second=0, microsecond=0)) % ATTEMPT_WINDOW
    monkeypatch.setattr(identity, "utcnow", lambda: start + ATTEMPT_WINDOW / 2)


def test_failed_sign_ins_are_throttled_per_account_even_with_the_right_password(uow, mid_window):
    from smartgate.identity.model import ACCOUNT_ATTEMPTS

    for _ in range(ACCOUNT_ATTEMPTS):
        with pytest.raises(identity.BadCredentials):
            _sign_in(uow, "driver1", "wrong", address="192.0.2.7")
    with pytest.raises(TooManyRequests) as refused:
        _sign_in(uow, "driver1", "demo", address="192.0.2.8")
    assert 1 <= refused.value.retry_after <= 15 * 60
    assert _sign_in(uow, "driver2", "demo", address="192.0.2.7").access_token  # others go on


def test_failed_sign_ins_are_throttled_per_address_across_accounts(uow, mid_window):
    from smartgate.identity.model import ADDRESS_ATTEMPTS

    for i in range(ADDRESS_ATTEMPTS):
        with pytest.raises(identity.BadCredentials):
            _sign_in(uow, f"nobody{i}", "wrong", address="198.51.100.9")
    with pytest.raises(TooManyRequests):
        _sign_in(uow, "driver1", "demo", address="198.51.100.9")
    assert _sign_in(uow, "driver1", "demo", address="198.51.100.10").access_token


def test_successful_sign_ins_do_not_count(uow):
    from smartgate.identity.model import ACCOUNT_ATTEMPTS

    for _ in range(ACCOUNT_ATTEMPTS + 5):
        assert _sign_in(uow, "forwarder1", "demo").access_token


def test_passwords_are_checked_on_the_hashing_thread_not_the_callers(uow, monkeypatch):
    seen = []
    checked = identity.verify_password

    def watched(password, stored):
        seen.append(threading.current_thread().name)
        return checked(password, stored)

    monkeypatch.setattr(identity, "verify_password", watched)
    assert _sign_in(uow, "driver1", "demo").access_token
    with pytest.raises(identity.BadCredentials):
        _sign_in(uow, "nobody-at-all", "demo")  # an unknown user is checked the same way
    assert len(seen) == 2 and all(name.startswith("hashing") for name in seen)
