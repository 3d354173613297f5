"""Settings refuse to start without a real secret outside demo mode."""

import pytest
from pydantic import ValidationError

from smartgate.config import DEMO_SECRET, Settings


def test_no_default_secret_outside_demo(monkeypatch):
    monkeypatch.delenv("SMARTGATE_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SMARTGATE_SECRET_KEY must be set"):
        Settings(demo=False)


def test_short_secret_refused():
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(demo=False, secret_key="short")


def test_demo_gets_a_demo_secret(monkeypatch):
    monkeypatch.delenv("SMARTGATE_SECRET_KEY", raising=False)
    assert Settings(demo=True).secret_key == DEMO_SECRET


def test_side_must_be_vn_or_cn():
    with pytest.raises(ValidationError):
        Settings(demo=True, side="TH")


def test_the_published_demo_secret_is_refused_outside_demo():
    with pytest.raises(ValidationError, match="published demo key"):
        Settings(demo=False, secret_key=DEMO_SECRET)
    assert Settings(demo=True, secret_key=DEMO_SECRET).secret_key == DEMO_SECRET
