"""The reader's language: Accept-Language by its q-values, plurals, names in each language,
and refusals worded (with a code and values for the API) rather than spelled in English."""

from types import SimpleNamespace

import pytest
from pydantic import ValidationError
from starlette.requests import Request

from smartgate.api.errors import problem
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.policy.model import HOLD_TEXTS
from smartgate.policy.schemas import CapacityIn
from smartgate.shared.errors import Conflict, FieldError, NotFound
from smartgate.shared.validation import field_errors
from smartgate.shared.wording import Wording, reread
from smartgate.web import i18n
from smartgate.web.names import field_label, gate_name, named


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en;q=0.5, zh-CN;q=0.9, vi;q=0.1", "zh"),  # the highest q wins, not the first
        ("fr-FR, de;q=0.8, en;q=0.3", "en"),  # the first we have
        ("vi;q=0, en;q=0.2", "en"),  # q=0 means "not this one"
        ("ZH-tw", "zh"),
        ("en-GB", "en"),
        ("vi-VN,vi;q=0.9", "vi"),
        ("fr, *;q=0.1", None),
        ("", None),
        ("en;q=abc, zh", "zh"),  # a broken q-value counts for nothing
    ],
)
def test_accept_language_is_negotiated_by_q_values(header, chosen):
    assert i18n.negotiate(header) == chosen


def _request(query: str = "", cookie: str = "", accept: str = "") -> Request:
    headers = [(b"accept-language", accept.encode())]
    if cookie:
        headers.append((b"cookie", f"{i18n.COOKIE}={cookie}".encode()))
    return Request({"type": "http", "query_string": query.encode(), "headers": headers})


def test_query_then_cookie_then_accept_language_then_vietnamese():
    assert i18n.language(_request("lang=en", "zh", "zh")) == "en"
    assert i18n.language(_request("lang=xx", "zh", "en")) == "zh"
    assert i18n.language(_request("", "", "de, en;q=0.5")) == "en"
    assert i18n.language(_request("", "", "de")) == "vi"


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "1 trip", "2 trips"),
        ("vi", "1 chuyến xe", "2 chuyến xe"),
        ("zh", "1 个行程", "2 个行程"),
    ],
)
def test_a_count_takes_the_plural_form_of_its_language(lang, one, two):
    ngettext = i18n.plural(lang)
    assert ngettext("%(count)s trip", "%(count)s trips", 1) % {"count": 1} == one
    assert ngettext("%(count)s trip", "%(count)s trips", 2) % {"count": 2} == two


def test_the_trips_page_counts_in_its_language():
    from smartgate.web.pages import templates

    block = templates.env.from_string(
        "{% trans count=n %}{{ count }} trip{% pluralize %}{{ count }} trips{% endtrans %}"
    )
    for lang, expected in (("en", "3 trips"), ("vi", "3 chuyến xe"), ("zh", "3 个行程")):
        translations = i18n.translations(lang)
        shown = block.render(n=3, gettext=translations.gettext, ngettext=translations.ngettext)
        assert shown == expected


def test_a_pydantic_error_is_worded_by_its_type_and_values():
    with pytest.raises(ValidationError) as refused:
        CapacityIn.model_validate(
            {"direction": "export", "trucks_per_hour": 5000, "from_hour": 7, "to_hour": 5}
        )
    (error,) = field_errors(refused.value.errors())
    assert error.message == "Input should be less than or equal to 1000"  # the API's English
    assert error.wording.code == "less_than_equal"
    assert error.wording.params() == {"limit": 1000}
    assert error.wording.worded(i18n.translator("zh")) == "不能大于 1000"


def test_our_validators_are_worded_without_internal_field_names():
    with pytest.raises(ValidationError) as refused:
        CapacityIn.model_validate(
            {"direction": "export", "trucks_per_hour": 10, "from_hour": 9, "to_hour": 7}
        )
    (error,) = field_errors(refused.value.errors())
    assert error.message == "the end hour must be after the start hour"
    assert error.wording.worded(i18n.translator("vi")) == "giờ kết thúc phải sau giờ bắt đầu"
    assert i18n.translator("zh")(field_label("to_hour")) == "结束时"
    assert field_label("goods.0.hs_code") == "HS code"


def test_a_container_and_a_plate_are_refused_in_the_readers_words():
    data = {"tractor_plate": "XYZ", "containers": ["CSQU3054384"]}
    with pytest.raises(ValidationError) as refused:
        DeclarationCreate.model_validate(data)
    found = {e.field: e for e in field_errors(refused.value.errors())}
    box = found["containers.0"]
    assert box.message == "check digit should be 3, not 4"
    assert box.wording.params() == {"expected": 3, "found": "4"}
    assert box.wording.worded(i18n.translator("vi")) == "số kiểm tra phải là 3, không phải 4"
    assert box.wording.worded(i18n.translator("zh")) == "校验位应为 3，而不是 4"
    assert "不是有效车牌" in found["tractor_plate"].wording.worded(i18n.translator("zh"))


def test_the_api_adds_a_code_and_values_to_its_english():
    error = FieldError("containers.0", Wording("{number} is listed twice", number="CSQU3054383"))
    body = problem(error)
    assert body["message"] == body["msg"] == "CSQU3054383 is listed twice"
    assert body["code"] == "number_is_listed_twice"
    assert body["params"] == {"number": "CSQU3054383"}
    plain = problem(FieldError("file", "cannot be read"))
    assert (plain["code"], plain["params"]) == ("value_error", {"reason": "cannot be read"})
    refused = Conflict(Wording("booking is {status}; it can no longer change", status="used"))
    assert (refused.code, refused.params) == ("booking_is_status_it_can_no_longer_change",
                                              {"status": "used"})  # fmt: skip
    assert (NotFound("gone").code, NotFound("gone").params) == ("not_found", {})


def test_a_stored_hold_reason_reads_in_the_readers_language():
    stored = str(Wording(HOLD_TEXTS[0], reason="Cold-chain inspection (ASF)"))
    assert stored == "suspended: Cold-chain inspection (ASF)"
    again = reread(stored, HOLD_TEXTS)
    assert isinstance(again, Wording)
    assert again.worded(i18n.translator("vi")) == (
        "tạm dừng thông quan: Cold-chain inspection (ASF)"
    )
    assert again.worded(i18n.translator("zh")) == "暂停通关：Cold-chain inspection (ASF)"
    assert reread("customs: seal broken", HOLD_TEXTS) == "customs: seal broken"


def test_names_in_the_readers_language_with_the_registry_name_as_fallback():
    gate = SimpleNamespace(name_vi="Hữu Nghị", name_zh="友谊关")
    assert gate_name(gate, "zh") == "友谊关 – Hữu Nghị"
    assert gate_name(gate, "vi") == gate_name(gate, "en") == "Hữu Nghị – 友谊关"
    lane = SimpleNamespace(name="Tân Thanh import lane", name_vi="Làn nhập khẩu Tân Thanh",
                           name_zh="新清 中→越 车道", name_en=None)  # fmt: skip
    assert named(lane, "zh") == "新清 中→越 车道"
    assert named(lane, "en") == "Tân Thanh import lane"
    road = SimpleNamespace(name_vi="Đường chuyên dụng", name_en="Dedicated road", name_zh=None)
    assert named(road, "zh") == "Đường chuyên dụng"
    assert named(road, "en") == "Dedicated road"


def test_every_lane_yard_and_road_has_a_chinese_name_in_the_shipped_registry():
    import tomllib

    from smartgate.registry import services

    with services.demo_document_path().open("rb") as handle:
        gates = tomllib.load(handle)["gate"]
    for gate in gates:
        for kind in ("lane", "yard", "road"):
            for item in gate.get(kind, []):
                assert item.get("name_zh"), (gate["id"], kind, item)
