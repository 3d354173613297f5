"""Opening hours, time zones, permitted prefixes and the HS nomenclature."""

from datetime import UTC, datetime, time

from hypothesis import given
from hypothesis import strategies as st

from smartgate.registry import model
from smartgate.registry.nomenclature import catalog, fold
from smartgate.shared.clock import CN_TZ, VN_TZ


def test_huu_nghi_hours_on_both_clocks():
    opens = model.utc_time_of_day(time(7), VN_TZ)
    assert opens == time(0)
    assert model.local_time_of_day(opens, VN_TZ) == time(7)
    assert model.local_time_of_day(opens, CN_TZ) == time(8)


@given(st.integers(0, 23), st.integers(0, 59))
def test_local_and_utc_times_round_trip(hour, minute):
    local = time(hour, minute)
    assert model.local_time_of_day(model.utc_time_of_day(local, VN_TZ), VN_TZ) == local


def test_opening_window_wraps_past_midnight_utc():
    # 07:00-22:00 Viet Nam time is 00:00-15:00 UTC; 20:00-06:00 UTC wraps.
    assert model.is_open(time(0), time(15), datetime(2026, 1, 1, 14, 59, tzinfo=UTC))
    assert not model.is_open(time(0), time(15), datetime(2026, 1, 1, 15, 0, tzinfo=UTC))
    assert model.is_open(time(20), time(6), datetime(2026, 1, 1, 2, tzinfo=UTC))
    assert not model.is_open(time(20), time(6), datetime(2026, 1, 1, 12, tzinfo=UTC))


def test_hs_prefixes():
    assert model.hs_permitted("081060", {"08"})
    assert model.hs_permitted("081060", {"0810"})
    assert not model.hs_permitted("847989", {"08", "0714"})


def test_search_by_english_vietnamese_and_chinese_words():
    for query in ("durian", "sầu riêng", "sau rieng", "榴莲"):
        assert [e.code for e in catalog().search(query)][:1] == ["081060"], query


def test_search_by_code_prefix_and_levels():
    hits = catalog().search("0810")
    assert hits[0].code == "0810"
    assert all(h.code.startswith("0810") for h in hits)
    assert catalog().is_subheading("081060")
    assert not catalog().is_subheading("0810")
    assert not catalog().is_subheading("999999")


def test_fold_removes_vietnamese_marks():
    assert fold("Đường chuyên dụng") == "duong chuyen dung"
