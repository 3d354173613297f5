"""A trip's history reads as words in the reader's language, never as stored dicts."""

import uuid
from datetime import UTC, datetime

from smartgate.declarations.schemas import DeclarationRead, GoodsLineRead, HistoryRead
from smartgate.web.history_view import history_lines
from smartgate.web.i18n import translator

AT = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def _trip() -> DeclarationRead:
    line = {"hs_code": "081060", "description": "durian", "gross_kg": 500.0, "value": 3000.0,
            "currency": "USD"}  # fmt: skip
    return DeclarationRead(
        id=uuid.uuid4(), gate_id="huu-nghi", direction="export", tractor_plate="12C-123.45",
        trailer_plate=None, driver_name="An", driver_phone=None, delivery_mode="direct",
        containers=[], expected_arrival=AT, goods=[GoodsLineRead(line_no=3, **line)],
        status="declared", owner="driver1", company=None, copied_from=None, created_at=AT,
        updated_at=AT, version=2,
    )  # fmt: skip


def _entry(action, path, before, after) -> HistoryRead:
    return HistoryRead(seq=2, at=AT, actor="driver1", action=action, path=path, before=before,
                       after=after)  # fmt: skip


def _lines(entries, lang):
    clock = lambda moment: moment.strftime("%Y-%m-%d %H:%M")  # noqa: E731
    return history_lines(entries, _trip(), lang, translator(lang), clock)


def test_a_changed_goods_line_is_told_in_words():
    change = _entry("goods.amended", "goods.3", {"gross_kg": 450.0, "value": 2500.0},
                    {"gross_kg": 500.0, "value": 3000.0})  # fmt: skip
    (line,) = _lines([change], "en")
    assert line.what == "Goods line 3 changed"
    assert line.before == "gross weight 450 kg, value $2,500.00"
    assert line.after == "gross weight 500 kg, value $3,000.00"
    assert "{" not in line.after and "'" not in line.after
    (vi,) = _lines([change], "vi")
    assert vi.what == "Đã sửa dòng hàng 3"
    assert vi.after == "trọng lượng cả bì 500 kg, trị giá 3.000,00\xa0US$"
    (zh,) = _lines([change], "zh")
    assert zh.what == "已修改第 3 行货物" and zh.after.startswith("毛重 500 千克")


def test_containers_modes_flags_and_status_are_worded():
    entries = [
        _entry("container.amended", "containers.0", "CSQU3054383", "MSCU1234566"),
        _entry("trip.amended", "", {"delivery_mode": "direct"}, {"delivery_mode": "shuttle"}),
        _entry("goods.amended", "goods.3", {"perishable": False}, {"perishable": True}),
        _entry("status.changed", "status", "declared", "cancelled"),
        _entry(
            "goods.removed",
            "goods.2",
            {"hs_code": "080450", "currency": "CNY", "value": 10.0},
            None,
        ),  # fmt: skip
    ]
    lines = _lines(entries, "en")
    assert [line.what for line in lines] == [
        "Container corrected", "Trip changed", "Goods line 3 changed", "Status changed",
        "Goods line 2 removed",
    ]  # fmt: skip
    assert (lines[0].before, lines[0].after) == ("CSQU3054383", "MSCU1234566")
    assert lines[1].after == "delivery mode: automated shuttle (AGV)"
    assert lines[2].after == "perishable: yes"
    assert (lines[3].before, lines[3].after) == ("declared", "cancelled")
    assert lines[4].before == "HS code 080450, value CN¥10.00" and lines[4].after == ""
    vi = _lines(entries, "vi")
    assert vi[1].after == "phương thức giao hàng: " + translator("vi")("shuttle")
    assert vi[3].after == translator("vi")("cancelled")


def test_the_declaration_as_made_lists_the_truck_and_its_goods():
    made = _entry("created", "", None, {
        "tractor_plate": "12C-123.45",
        "goods": [{"hs_code": "081060", "gross_kg": 18000, "value": 25000, "currency": "USD"}],
    })  # fmt: skip
    (line,) = _lines([made], "en")
    assert line.what == "Trip declared"
    assert line.after == (
        "tractor 12C-123.45; Goods line 1: HS code 081060, gross weight 18,000 kg, value $25,000.00"
    )
