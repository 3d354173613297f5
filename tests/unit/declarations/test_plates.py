"""Plate rules: Vietnamese tractors and trailers, Chinese plates, one canonical spelling."""

import pytest
from hypothesis import given
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
