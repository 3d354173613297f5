"""Where the other side's instance is: https across the border, plain http on this machine
only, and an address with nothing after it."""

import pytest

from smartgate.exchange.schemas import PeerCreate, PeerUpdate
from smartgate.shared.validation import ValidationFailed, parse_or_fail

KEY = "A" * 43 + "="


def _refusal(url: str) -> str:
    with pytest.raises(ValidationFailed) as refused:
        parse_or_fail(PeerCreate, {"name": "cn", "url": url, "public_key": KEY})
    [error] = refused.value.errors
    assert error.field == "url"
    return str(error.message)


@pytest.mark.parametrize(
    "url",
    ["https://gate.example.cn", "https://10.0.0.5:8443/smartgate", "http://127.0.0.1:8001",
     "http://localhost:8001", "http://[::1]:8001", "http://127.8.9.10"],
)  # fmt: skip
def test_https_anywhere_and_plain_http_on_this_machine_are_taken(url: str) -> None:
    assert str(parse_or_fail(PeerCreate, {"name": "cn", "url": url, "public_key": KEY}).url)


@pytest.mark.parametrize("url", ["http://gate.example.cn", "http://10.0.0.5:8001", "http://[::2]"])
def test_plain_http_across_a_network_is_refused(url: str) -> None:
    assert "https://" in _refusal(url)


@pytest.mark.parametrize("url", ["https://gate.example.cn/?token=1", "https://gate.example.cn/#x"])
def test_an_address_with_a_query_or_fragment_is_refused(url: str) -> None:
    assert "without ? or #" in _refusal(url)


def test_a_longer_address_than_the_column_is_refused() -> None:
    assert "at most 300" in _refusal("https://gate.example.cn/" + "a" * 300)


def test_an_update_checks_the_address_as_a_registration_does() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_or_fail(PeerUpdate, {"url": "http://gate.example.cn"})
    assert [error.field for error in refused.value.errors] == ["url"]
    assert parse_or_fail(PeerUpdate, {"public_key": KEY}).url is None
