"""ISO 6346 container numbers and their check digit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgate.declarations.containers import ContainerError, check_digit, parse_container

owners = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3)
serials = st.integers(min_value=0, max_value=999_999).map(lambda n: f"{n:06d}")


def test_the_known_examples():
    assert parse_container("CSQU3054383") == "CSQU3054383"
    with pytest.raises(ContainerError, match="check digit should be 3, not 4"):
        parse_container("CSQU3054384")


@given(owners, st.sampled_from("UJZ"), serials)
def test_every_number_with_its_check_digit_is_valid(owner, category, serial):
    first_ten = f"{owner}{category}{serial}"
    number = f"{first_ten}{check_digit(first_ten)}"
    assert parse_container(number) == number
    assert parse_container(f" {number.lower()} ") == number


@given(owners, serials, st.integers(min_value=1, max_value=9))
def test_any_other_check_digit_is_refused(owner, serial, shift):
    first_ten = f"{owner}U{serial}"
    wrong = (check_digit(first_ten) + shift) % 10
    with pytest.raises(ContainerError, match="check digit"):
        parse_container(f"{first_ten}{wrong}")


@given(owners, serials)
def test_a_single_changed_serial_digit_changes_the_check_digit(owner, serial):
    # ISO 6346 weights every position by a distinct power of two modulo 11,
    # so one wrong digit is always caught (except where the sum maps 10 to 0).
    first_ten = f"{owner}U{serial}"
    altered = f"{first_ten[:-1]}{(int(first_ten[-1]) + 1) % 10}"
    digits = {check_digit(first_ten), check_digit(altered)}
    assert len(digits) == 2 or 0 in digits


@pytest.mark.parametrize("text", ["CSQ3054383", "CSQU305438", "1SQU3054383", "CSQU30543833"])
def test_wrong_shapes_are_refused(text):
    with pytest.raises(ContainerError, match="4 letters and 7 digits"):
        parse_container(text)


def test_category_letter_must_be_u_j_or_z():
    with pytest.raises(ContainerError, match="category letter"):
        parse_container("CSQA3054383")


# Digits of other scripts: Python's \d, str.isdigit() and int() all take them as 0-9.
foreign_digits = st.characters(categories=["Nd"]).filter(lambda ch: not ch.isascii())


@given(owners, serials, foreign_digits, st.integers(min_value=4, max_value=10))
def test_digits_of_other_scripts_are_refused_by_name(owner, serial, digit, index):
    first_ten = f"{owner}U{serial}"
    number = f"{first_ten}{check_digit(first_ten)}"
    foreign = number[:index] + digit + number[index + 1 :]
    with pytest.raises(ContainerError, match=f"U\\+{ord(digit):04X}"):
        parse_container(foreign)


@pytest.mark.parametrize(
    "text",
    [
        "CSQU305438٣",  # Arabic-Indic check digit: int() read it as 3
        "CSQU30543٨3",  # Arabic-Indic serial digit: no ISO 6346 value, a KeyError
        "ＣSQU3054383",  # full-width C
        "CSQU3054383\x00",
    ],
)
def test_characters_no_container_number_uses_are_refused(text):
    with pytest.raises(ContainerError, match=r"has .* \(U\+[0-9A-F]{4}\): container numbers"):
        parse_container(text)
