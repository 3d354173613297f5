"""Value checks for scenario and distribution specs: each returns the clean value or raises
ValueError with a reason that reads well after the key, as in `lanes: must be at least 1`."""

import math
from typing import Any


def number(value: Any) -> float:
    """A finite int or float (TOML booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"must be a number, got {value!r}")
    return float(value)


def non_negative(value: Any) -> float:
    """A number >= 0."""
    if number(value) < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    return float(value)


def positive(value: Any) -> float:
    """A number > 0."""
    if number(value) <= 0:
        raise ValueError(f"must be positive, got {value!r}")
    return float(value)


def probability(value: Any) -> float:
    """A number from 0 to 1."""
    if not 0 <= number(value) <= 1:
        raise ValueError(f"must be between 0 and 1, got {value!r}")
    return float(value)


def non_negative_int(value: Any) -> int:
    """A whole number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be a whole number >= 0, got {value!r}")
    return value


def positive_int(value: Any) -> int:
    """A whole number >= 1."""
    if non_negative_int(value) == 0:
        raise ValueError("must be at least 1, got 0")
    return value


def text(value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a non-empty string, got {value!r}")
    return value


def listing(value: Any) -> list:
    """A list (TOML array)."""
    if not isinstance(value, list):
        raise ValueError(f"must be a list, got {value!r}")
    return value


def texts(value: Any) -> list[str]:
    """A list of non-empty strings."""
    return [text(item) for item in listing(value)]
