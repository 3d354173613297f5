"""Tokens: who they name, and how long a recognised one is remembered."""

from datetime import timedelta

import pytest

from smartgate.identity import services as identity
from smartgate.identity.security import make_token
from smartgate.shared.clock import utcnow

SECRET = "test-secret-of-at-least-thirty-two-characters"


def _token(username: str, minutes: int, issued_minutes_ago: int = 0) -> str:
    issued = utcnow() - timedelta(minutes=issued_minutes_ago)
    return make_token(username=username, secret=SECRET, now=issued, minutes=minutes)


def test_a_token_names_its_user_and_is_then_remembered_without_the_database(uow):
    token = _token("driver1", minutes=10)
    assert identity.remembered_actor(uow=uow, token=token) is None
    actor = identity.actor_for_token(uow=uow, token=token, secret=SECRET)
    assert actor is not None and (actor.username, actor.role) == ("driver1", "driver")
    assert identity.remembered_actor(uow=uow, token=token) == actor


@pytest.mark.parametrize(
    "token",
    [_token("driver1", minutes=10) + "x", _token("driver1", minutes=5, issued_minutes_ago=6),
     _token("nobody", minutes=10)],
    ids=["forged", "expired", "unknown user"],
)  # fmt: skip
def test_bad_tokens_name_nobody_and_are_not_remembered(uow, token):
    assert identity.actor_for_token(uow=uow, token=token, secret=SECRET) is None
    assert identity.remembered_actor(uow=uow, token=token) is None


def test_a_remembered_token_is_forgotten_when_it_expires(uow, monkeypatch):
    token = _token("driver1", minutes=1)
    assert identity.actor_for_token(uow=uow, token=token, secret=SECRET) is not None
    later = identity.time.time() + 61
    monkeypatch.setattr(identity.time, "time", lambda: later)
    assert identity.remembered_actor(uow=uow, token=token) is None  # so it is checked again
