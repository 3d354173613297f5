"""Plate rules: Vietnamese tractors and trailers, Chinese plates, one canonical spelling."""

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from smartgate.declarations.plates import PlateError, parse_plate, plate_key

VN_SERIES = "ABCDEFGHKLMNPSTUVXYZ"  # no I, J, O, Q, W; R is for trailers
provinces = st.integers(min_value=11, max_value=99).map(str)
five_digits = st.integers(min_value=0, max_value=99999).map(lambda n: f"{n:05d}")


@given(provinces, st.sampled_from(VN_SERIES), five_digits)
def test_vietnamese_tractor_plates_parse_to_one_canonical_form(province, series, digits):
    canonical = f"{province}{series}-{digits[:3]}.{digits[3:]}"
    for spelling in (
        canonical,
        canonical.lower(),
        f"{province}{series}{digits}",
        f"{province} {series} {digits}",
    ):
        assert parse_plate(spelling).text == canonical
    assert parse_plate(canonical).country == "VN"


@given(provinces, st.integers(min_value=0, max_value=9999).map(lambda n: f"{n:04d}"))
def test_old_four_digit_plates_keep_their_shape(province, digits):
    assert parse_plate(f"{province}C{digits}").text == f"{province}C-{digits}"


@given(provinces, five_digits)
def test_trailers_use_series_r_and_tractors_do_not(province, digits):
    plate = f"{province}R-{digits[:3]}.{digits[3:]}"
    assert parse_plate(plate, trailer=True).text == plate
    with pytest.raises(PlateError, match="trailers"):
        parse_plate(plate)
    with pytest.raises(PlateError, match="trailer series"):
        parse_plate(f"{province}C-{digits[:3]}.{digits[3:]}", trailer=True)


@given(st.integers(min_value=0, max_value=10).map(lambda n: f"{n:02d}"), five_digits)
def test_province_codes_below_11_do_not_exist(province, digits):
    with pytest.raises(PlateError, match="province code"):
        parse_plate(f"{province}C-{digits[:3]}.{digits[3:]}")


@given(
    st.sampled_from("桂粤云京沪"),
    st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"),
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=5, max_size=6),
)
def test_chinese_plates(province, city, number):
    plate = f"{province}{city}{number}"
    assert parse_plate(plate).text == plate
    assert parse_plate(f"{province}{city}·{number}").text == plate
    assert parse_plate(plate).country == "CN"


def test_chinese_trailer_plates_end_with_gua():
    assert parse_plate("桂F1234挂", trailer=True).text == "桂F1234挂"
    with pytest.raises(PlateError):
        parse_plate("桂F12345", trailer=True)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("12C-12", "not a plate"),
        ("12I-123.45", "not a plate"),
        ("中F12345", "not a Chinese province"),
        ("桂I12345", "not a plate"),
        ("ABC-123", "not a plate"),
    ],
)
def test_bad_plates_say_why(text, reason):
    with pytest.raises(PlateError, match=reason):
        parse_plate(text)


@given(provinces, st.sampled_from(VN_SERIES), five_digits)
def test_plate_key_ignores_separators(province, series, digits):
    assert plate_key(f"{province}{series}-{digits[:3]}.{digits[3:]}") == plate_key(
        f"{province}{series.lower()} {digits}"
    )


# Digits of other scripts: Python's \d, str.isdigit() and int() all take them as 0-9.
foreign_digits = st.characters(categories=["Nd"]).filter(lambda ch: not ch.isascii())
CN_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
KEY_ALPHABET = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" + CN_PROVINCES + "挂")
CN_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

vn_plates = st.builds(
    lambda province, series, digits: f"{province}{series}-{digits[:3]}.{digits[3:]}",
    provinces,
    st.sampled_from([*VN_SERIES, "R", "CD", "LD"]),
    five_digits,
)
cn_plates = st.builds(
    lambda province, city, number, mark: f"{province}{city}{number}{mark}",
    st.sampled_from(CN_PROVINCES),
    st.sampled_from(CN_LETTERS),
    st.text(alphabet="0123456789" + CN_LETTERS, min_size=4, max_size=6),
    st.sampled_from(["", "挂"]),
)


@st.composite
def spellings(draw):
    """A plate as people type it: any case, spaces and dots anywhere, and now and then a
    character of any kind put in or swapped for one of the plate's own."""
    chars = list(draw(st.one_of(vn_plates, cn_plates)))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        index = draw(st.integers(min_value=0, max_value=len(chars)))
        extra = draw(st.one_of(st.sampled_from(" ·•–-.abcxyz"), st.characters(), foreign_digits))
        if draw(st.booleans()) and index < len(chars):
            chars[index] = extra
        else:
            chars.insert(index, extra)
    return "".join(chars)


def _parses(text: str, *, trailer: bool) -> str | None:
    try:
        return parse_plate(text, trailer=trailer).text
    except PlateError:
        return None


@given(spellings(), st.booleans())
@example("29H-433.8٥", False)
def test_a_parsed_plate_has_a_key_of_plate_characters_only(text, trailer):
    canonical = _parses(text, trailer=trailer)
    if canonical is not None:
        assert set(canonical) <= KEY_ALPHABET | set("-.")
        assert set(plate_key(text)) <= KEY_ALPHABET
        assert plate_key(text) == plate_key(canonical)


@given(spellings(), spellings(), st.booleans())
@example("29H-4338", "29H-433.8٥", False)  # the truck an Arabic-Indic 5 locked out
@example("２９H-４３３.８４", "３０H-１２３.４５", False)  # full-width digits once keyed as "H"
def test_different_plates_never_share_a_key(first, second, trailer):
    one, other = _parses(first, trailer=trailer), _parses(second, trailer=trailer)
    if one is not None and other is not None and one != other:
        assert plate_key(first) != plate_key(second)


@given(st.one_of(vn_plates, cn_plates), foreign_digits, st.data())
def test_digits_of_other_scripts_are_refused_anywhere(plate, digit, data):
    index = data.draw(st.integers(min_value=0, max_value=len(plate)))
    swapped = plate[:index] + digit + plate[index + 1 :]
    inserted = plate[:index] + digit + plate[index:]
    for text in (swapped, inserted):
        for trailer in (False, True):
            with pytest.raises(PlateError, match=f"U\\+{ord(digit):04X}"):
                parse_plate(text, trailer=trailer)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("29H-433.8٥", "'٥' (U+0665)"),  # Arabic-Indic five
        ("２９Ｈ-４３３.８４", "'２' (U+FF12)"),  # full-width digits and letter
        ("29Ｈ-433.84", "'Ｈ' (U+FF28)"),
        ("29H-433.8۴", "'۴' (U+06F4)"),  # Persian four
        ("桂F1234५", "'५' (U+096B)"),  # Devanagari five
        ("29ſ-433.84", "'ſ' (U+017F)"),  # long s: str.upper() makes it an S
        ("29H-433.8\x00", "'\\x00' (U+0000)"),
    ],
)
def test_characters_no_plate_uses_are_named(text, named):
    with pytest.raises(PlateError, match=re.escape(f"has {named}")):
        parse_plate(text)
