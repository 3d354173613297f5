"""The border-gate fee: Lạng Sơn's 2025 tariff as shipped, the rule pricing a trip, the
validation of tariffs an authority edits. Expected amounts come from the published figures
(100,000 to 4,000,000 VND by weight; ore × 5; imports 130 %; transshipment-only 30 %)."""

import tomllib
from fractions import Fraction
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgate.operations.fees import (
    DEFAULT,
    fee,
    load_tariffs,
    shipped_tariffs,
    tariff_for,
    vehicle_kg,
)
from smartgate.shared.errors import ValidationFailed
from smartgate.shared.terms import DELIVERY_MODES

SHIPPED_TEXT = (resources.files("smartgate.registry") / "data" / "tariffs.toml").read_text(
    encoding="utf-8"
)
SHIPPED = shipped_tariffs()[DEFAULT]
ORE, RICE = "260111", "100630"  # iron ore (HS chapter 26), milled rice

weights = st.floats(min_value=0, max_value=80_000, allow_nan=False)
goods = st.lists(st.sampled_from([ORE, RICE, "080410", "847130", "2601"]), max_size=4)
directions = st.sampled_from(["export", "import"])
modes = st.sampled_from(DELIVERY_MODES)


def price(kg=25_000, hs_codes=(RICE,), direction="export", mode="direct", tariff=SHIPPED):
    return fee(tariff, vehicle_kg=kg, hs_codes=hs_codes, direction=direction, delivery_mode=mode)


def shipped_document():
    return tomllib.loads(SHIPPED_TEXT)


# The shipped tariff -------------------------------------------------------------------------


def test_the_shipped_tariff_loads_as_the_default_of_every_gate_in_dong():
    tariffs = shipped_tariffs()
    assert set(tariffs) == {DEFAULT}
    assert tariff_for(tariffs, "huu-nghi") == tariffs[DEFAULT]
    assert SHIPPED.currency == "VND"
    assert price().currency == "VND"


def test_the_lightest_vehicle_pays_100_000_and_the_heaviest_4_000_000():
    assert price(kg=1_500).amount == 100_000
    assert price(kg=0).amount == 100_000
    assert price(kg=44_000).amount == 4_000_000
    assert price(kg=60_000).amount == 4_000_000


@pytest.mark.parametrize(
    ("kg", "band", "amount"),
    [
        (4_999, "< 5 t", 100_000),
        (5_000, "5–10 t", 250_000),  # an edge belongs to the heavier band
        (19_999, "10–20 t", 500_000),
        (20_000, "20–30 t", 1_000_000),
        (39_999, "30–40 t", 2_000_000),
        (40_000, "≥ 40 t", 4_000_000),
    ],
)
def test_each_weight_band_as_shipped(kg, band, amount):
    line = price(kg=kg).lines[0]
    assert (line.item, line.detail, line.amount) == ("weight_band", band, amount)
    assert price(kg=kg).amount == amount


@given(weights, directions, modes)
def test_ore_pays_five_times_other_goods(kg, direction, mode):
    ore, other = price(kg, [ORE], direction, mode), price(kg, [RICE], direction, mode)
    # Both are rounded to 1,000 VND: five times a rounded fee may differ by up to 2,500.
    assert abs(ore.amount - 5 * other.amount) <= 2_500
    if (direction, mode) == ("export", "direct"):
        assert ore.amount == 5 * other.amount


@given(weights, goods)
def test_an_import_pays_130_percent_of_the_same_export(kg, hs_codes):
    imported, exported = price(kg, hs_codes, "import"), price(kg, hs_codes, "export")
    assert imported.amount * 10 == exported.amount * 13


@given(weights, goods, directions)
def test_a_transshipment_only_trip_pays_30_percent(kg, hs_codes, direction):
    moved = price(kg, hs_codes, direction, "transshipment").amount
    direct = price(kg, hs_codes, direction, "direct").amount
    assert abs(moved - Fraction(3, 10) * direct) <= 500
    if direction == "export":
        assert moved * 10 == direct * 3


@pytest.mark.parametrize("mode", ["direct", "tractor_swap", "shuttle"])
def test_other_delivery_modes_pay_in_full(mode):
    assert price(mode=mode).amount == 1_000_000


def test_the_fee_is_rounded_to_the_nearest_1_000_dong_halves_up():
    # 250,000 × 1.3 × 0.3 = 97,500: halfway, so up to 98,000.
    assert price(kg=7_000, direction="import", mode="transshipment").amount == 98_000
    # 100,000 × 1.3 × 0.3 = 39,000 exactly, untouched by float arithmetic.
    assert price(kg=1_000, direction="import", mode="transshipment").amount == 39_000


@pytest.mark.parametrize(("base", "expected"), [(1_500, 2_000), (2_500, 3_000), (2_499, 2_000)])
def test_halves_round_up_not_to_even(base, expected):
    tariff = load_tariffs(_one_band(base))[DEFAULT]
    assert price(hs_codes=[], tariff=tariff).amount == expected


def test_a_receipt_shows_how_the_fee_was_made():
    made = price(kg=25_000, hs_codes=[RICE, ORE], direction="import", mode="transshipment")
    assert [(line.item, line.detail, line.amount, line.factor) for line in made.lines] == [
        ("weight_band", "20–30 t", 1_000_000, None),
        ("goods", "ore (HS 26)", None, 5),
        ("direction", "import", None, 1.3),
        ("delivery_mode", "transshipment", None, 0.3),
    ]
    assert made.amount == 1_950_000  # 1,000,000 × 5 × 1.3 × 0.3


@given(st.permutations([RICE, ORE, "080410"]))
def test_one_ore_line_makes_the_whole_trip_pay_as_ore(hs_codes):
    assert price(hs_codes=hs_codes).amount == 5_000_000


def test_a_trip_without_ore_or_without_goods_pays_as_other_goods():
    for hs_codes in ([RICE, "847130"], []):
        line = price(hs_codes=hs_codes).lines[1]
        assert (line.detail, line.factor) == ("other goods", 1)
        assert price(hs_codes=hs_codes).amount == 1_000_000


def test_the_longest_matching_prefix_sets_a_codes_factor():
    document = shipped_document()
    document["default"]["goods"]["2601"] = {"label": "iron ore", "factor": 2}
    tariff = load_tariffs(document)[DEFAULT]
    assert price(hs_codes=["260111"], tariff=tariff).amount == 2_000_000
    assert price(hs_codes=["260300"], tariff=tariff).amount == 5_000_000  # copper ore: "26"


@given(st.permutations(["260111", "260300", RICE]))
def test_among_several_categories_the_highest_factor_counts(hs_codes):
    document = shipped_document()
    document["default"]["goods"]["2601"] = {"label": "iron ore", "factor": 2}
    tariff = load_tariffs(document)[DEFAULT]
    assert price(hs_codes=hs_codes, tariff=tariff).lines[1].detail == "ore (HS 26)"
    assert price(hs_codes=hs_codes, tariff=tariff).amount == 5_000_000


@pytest.mark.parametrize(
    ("argument", "value"), [("direction", "transit"), ("mode", "ferry"), ("kg", -1.0)]
)
def test_a_trip_the_tariff_cannot_price_is_refused(argument, value):
    with pytest.raises(ValueError):
        price(**{argument: value})


# Properties of every valid tariff --------------------------------------------------------------


factors = st.floats(min_value=0.01, max_value=10, allow_nan=False)


@st.composite
def tariff_documents(draw):
    count = draw(st.integers(1, 6))
    edges = sorted(draw(st.sets(st.integers(1, 80), min_size=count - 1, max_size=count - 1)))
    fees = sorted(draw(st.lists(st.integers(1, 10_000_000), min_size=count, max_size=count)))
    bands = [{"below_t": e, "fee": f} for e, f in zip(edges, fees, strict=False)]
    return {
        "default": {
            "currency": "VND",
            "round_to": draw(st.sampled_from([1, 100, 1_000])),
            "bands": [*bands, {"fee": fees[-1]}],
            "goods": {"26": {"label": "ore", "factor": draw(factors)}},
            "directions": {"export": draw(factors), "import": draw(factors)},
            "delivery_modes": {mode: draw(factors) for mode in DELIVERY_MODES},
        }
    }


tariffs = st.one_of(st.just(SHIPPED), tariff_documents().map(lambda d: load_tariffs(d)[DEFAULT]))


@given(tariffs, weights, weights, goods, directions, modes)
def test_a_heavier_vehicle_never_pays_less(tariff, one, other, hs_codes, direction, mode):
    lighter, heavier = sorted((one, other))
    assert (
        price(lighter, hs_codes, direction, mode, tariff).amount
        <= price(heavier, hs_codes, direction, mode, tariff).amount
    )


@given(tariffs, weights, goods, directions, modes)
def test_the_amount_is_the_product_of_the_lines_rounded(tariff, kg, hs_codes, direction, mode):
    made = price(kg, hs_codes, direction, mode, tariff)
    product = Fraction(1)
    for line in made.lines:
        product *= Fraction(line.amount if line.amount is not None else line.factor)
    assert abs(made.amount - product) <= Fraction(tariff.round_to, 2) + Fraction(1, 10**6)
    assert made.amount % tariff.round_to == 0


# Gates with their own tariff ------------------------------------------------------------------


def test_a_gate_with_its_own_table_pays_by_it_and_every_other_gate_by_the_default():
    document = shipped_document()
    document["gate"] = {"mong-cai": {"bands": [{"below_t": 10, "fee": 200_000}, {"fee": 900_000}]}}
    tariffs = load_tariffs(document)
    mong_cai = tariff_for(tariffs, "mong-cai")
    assert price(kg=8_000, tariff=mong_cai).amount == 200_000
    assert price(kg=45_000, tariff=mong_cai).amount == 900_000
    # What the gate leaves out comes from the default: imports still pay 130 %.
    assert price(kg=45_000, direction="import", tariff=mong_cai).amount == 1_170_000
    for gate in ("huu-nghi", "tan-thanh"):
        assert price(kg=45_000, tariff=tariff_for(tariffs, gate)).amount == 4_000_000


# Validation: each fault names its key ---------------------------------------------------------


def _one_band(base):
    document = shipped_document()
    document["default"]["bands"] = [{"fee": base}]
    return document


def _edit(change):
    document = shipped_document()
    change(document)
    return document


def _set(path, value):
    def change(document):
        *parents, last = path
        table = document
        for key in parents:
            table = table[key]
        table[last] = value

    return change


def _drop(*path):
    def change(document):
        *parents, last = path
        table = document
        for key in parents:
            table = table[key]
        del table[last]

    return change


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (_drop("default"), "default", "required"),
        (_set(("default", "bands", 2, "below_t"), 8), "default.bands.2.below_t", "band before"),
        (_set(("default", "bands", 1, "below_t"), 5), "default.bands.1.below_t", "band before"),
        (_set(("default", "bands", 0, "fee"), 0), "default.bands.0.fee", "greater than 0"),
        (_set(("default", "bands", 0, "fee"), -100), "default.bands.0.fee", "greater than 0"),
        (_set(("default", "bands", 3, "fee"), 400_000), "default.bands.3.fee", "never pays less"),
        (_set(("default", "bands", 0, "fee"), 1e5), "default.bands.0.fee", "whole number"),
        (_set(("default", "bands", 5, "below_t"), 60), "default.bands.5.below_t", "left out"),
        (_drop("default", "bands", 2, "below_t"), "default.bands.2.below_t", "required"),
        (_set(("default", "bands"), []), "default.bands", "list"),
        (
            _set(("default", "delivery_modes", "ferry"), 1),
            "default.delivery_modes.ferry",
            "unknown",
        ),
        (_set(("default", "directions", "transit"), 1), "default.directions.transit", "unknown"),
        (_drop("default", "directions", "import"), "default.directions.import", "required"),
        (
            _set(("default", "delivery_modes", "shuttle"), 0),
            "default.delivery_modes.shuttle",
            "than 0",
        ),
        (_set(("default", "goods", "2A"), {"label": "x", "factor": 2}), "default.goods.2A", "HS"),
        (_set(("default", "goods", "26", "factor"), -5), "default.goods.26.factor", "than 0"),
        (_set(("default", "currency"), "dong"), "default.currency", "currency code"),
        (_set(("default", "round_to"), 0), "default.round_to", "greater than 0"),
        (_drop("default", "round_to"), "default.round_to", "required"),
        (_set(("default", "colour"), "red"), "default.colour", "unknown key"),
        (_set(("tariff",), {}), "tariff", "unknown key"),
        (_set(("gate",), {"default": {}}), "gate.default", "[default]"),
        (
            _set(("gate",), {"tan-thanh": {"bands": [{"fee": -5}]}}),
            "gate.tan-thanh.bands.0.fee",
            "greater than 0",
        ),
        (
            _set(("gate",), {"chi-ma": {"directions": {"export": 1}}}),
            "gate.chi-ma.directions.import",
            "required",
        ),
    ],
)
def test_each_fault_names_its_key_in_one_line(change, field, words):
    with pytest.raises(ValidationFailed) as refused:
        load_tariffs(_edit(change))
    [error] = refused.value.errors
    assert error.field == field
    assert words in str(error.message)
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith(f"{field}: ")


def test_every_fault_in_a_document_is_named_at_once():
    def two_faults(document):
        document["default"]["bands"][0]["fee"] = 0
        document["gate"] = {"mong-cai": {"currency": "vnd"}}

    with pytest.raises(ValidationFailed) as refused:
        load_tariffs(_edit(two_faults))
    assert [e.field for e in refused.value.errors] == [
        "default.bands.0.fee",
        "gate.mong-cai.currency",
    ]


def test_text_that_is_not_toml_is_refused_as_such():
    with pytest.raises(ValidationFailed) as refused:
        load_tariffs("[default\ncurrency = VND")
    assert refused.value.errors[0].field == "document"


def test_editing_the_shipped_document_is_read_from_its_text():
    edited = SHIPPED_TEXT.replace("fee = 4_000_000", "fee = 5_000_000")
    assert price(kg=45_000, tariff=load_tariffs(edited)[DEFAULT]).amount == 5_000_000


# The vehicle's weight from a declaration ------------------------------------------------------


def test_a_declared_trip_weighs_its_goods_plus_the_assumed_tare():
    assert vehicle_kg(20_000, 1) == 20_000 + 15_000 + 3_000  # semi-trailer rig, one container
    assert vehicle_kg(26_000, 2) == 26_000 + 15_000 + 2 * 3_000
    assert vehicle_kg(2_000, 0, trailer=False) == 2_000 + 6_000  # rigid truck
    assert price(kg=vehicle_kg(26_000, 2)).amount == 4_000_000  # 47 t: the heaviest band


@pytest.mark.parametrize(("goods_kg", "containers"), [(-1, 0), (1_000, -1)])
def test_negative_weights_or_counts_are_refused(goods_kg, containers):
    with pytest.raises(ValueError):
        vehicle_kg(goods_kg, containers)
