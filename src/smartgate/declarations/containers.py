"""ISO 6346 container numbers: owner code, category, serial and check digit."""

import re

_SHAPE = re.compile(r"^[A-Z]{3}[A-Z]\d{6}\d$")
_CATEGORIES = "UJZ"  # freight containers, detachable equipment, trailers and chassis


def _letter_values() -> dict[str, int]:
    # Letters count from 10 upwards, skipping multiples of 11 (ISO 6346 annex A).
    values, value = {}, 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_VALUES = {**_letter_values(), **{str(d): d for d in range(10)}}


class ContainerError(ValueError):
    """The text is not a valid ISO 6346 number; the message says why."""


def check_digit(first_ten: str) -> int:
    """The ISO 6346 check digit of owner code, category and serial (10 characters)."""
    total = sum(_VALUES[ch] * (1 << i) for i, ch in enumerate(first_ten))
    return total % 11 % 10


def parse_container(text: str) -> str:
    """The container number in canonical form (upper case, no spaces), or ContainerError."""
    tidy = re.sub(r"[\s-]", "", text).upper()
    if not _SHAPE.match(tidy):
        raise ContainerError("must be 4 letters and 7 digits, like CSQU3054383")
    if tidy[3] not in _CATEGORIES:
        raise ContainerError(f"category letter must be U, J or Z, not {tidy[3]}")
    expected = check_digit(tidy[:10])
    if int(tidy[10]) != expected:
        raise ContainerError(f"check digit should be {expected}, not {tidy[10]}")
    return tidy
