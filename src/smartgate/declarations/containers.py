"""ISO 6346 container numbers: owner code, category, serial and check digit."""

import re
import string

from smartgate.shared.validation import stray_character
from smartgate.shared.wording import Wording

# [0-9], not \d: \d also matches Arabic-Indic, full-width and every other script's digits.
_SHAPE = re.compile(r"^[A-Z]{3}[A-Z][0-9]{6}[0-9]$")
_CATEGORIES = "UJZ"  # freight containers, detachable equipment, trailers and chassis
_ALPHABET = frozenset(string.ascii_uppercase + string.digits)
# Upper-case ASCII only: str.upper() also turns 'ı' into 'I' and 'ß' into 'SS'.
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def _letter_values() -> dict[str, int]:
    # Letters count from 10 upwards, skipping multiples of 11 (ISO 6346 annex A).
    values, value = {}, 10
    for letter in string.ascii_uppercase:
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_VALUES = {**_letter_values(), **{str(d): d for d in range(10)}}


class ContainerError(ValueError):
    """The text is not a valid ISO 6346 number; the message says why."""


def check_digit(first_ten: str) -> int:
    """The ISO 6346 check digit of owner code, category and serial (10 ASCII characters)."""
    total = sum(_VALUES[ch] * (1 << i) for i, ch in enumerate(first_ten))
    return total % 11 % 10


def parse_container(text: str) -> str:
    """The container number in canonical form (upper case, no spaces), or ContainerError."""
    tidy = re.sub(r"[\s-]", "", text).translate(_ASCII_UPPER)
    stray = stray_character(tidy, _ALPHABET)
    if stray:
        raise ContainerError(
            Wording(
                "has {found}: container numbers are written with the letters A-Z and the "
                "digits 0-9",
                found=stray,
            )
        )
    if not _SHAPE.match(tidy):
        raise ContainerError(Wording("must be 4 letters and 7 digits, like CSQU3054383"))
    if tidy[3] not in _CATEGORIES:
        raise ContainerError(
            Wording("category letter must be U, J or Z, not {found}", found=tidy[3])
        )
    expected = check_digit(tidy[:10])
    if int(tidy[10]) != expected:
        raise ContainerError(
            Wording(
                "check digit should be {expected}, not {found}", expected=expected, found=tidy[10]
            )
        )
    return tidy
