"""Scenario files: the shipped ones load and run, a bad field is named with its reason."""

import dataclasses
import textwrap
from datetime import date

import numpy as np
import pytest

from smartgate.policy.model import GateRules, effective_capacity
from smartgate.shared.errors import DomainError
from smartgate.simulation import scenario
from smartgate.simulation.distributions import Lognormal
from smartgate.simulation.gate import simulate
from smartgate.simulation.scenario import Goods, ListedTruck, ScenarioError

MINIMAL = """
name = "minimal"
[arrivals]
per_day = 100
[inspection]
lanes = 2
service = { dist = "exponential", mean_min = 3 }
"""


def parse(text: str) -> scenario.Scenario:
    return scenario.parse(textwrap.dedent(text), origin="test.toml")


def test_the_three_shipped_scenarios_are_there():
    assert scenario.shipped() == ["huu-nghi-1119-2500", "huu-nghi-1119-800", "mong-cai-2022-04"]


@pytest.mark.parametrize("name", scenario.shipped())
def test_shipped_scenarios_load_by_name_and_run(name):
    loaded = scenario.load(name)
    assert loaded.name == name
    short = dataclasses.replace(loaded, days=loaded.warmup_days + 1)
    result = simulate(short, np.random.default_rng(0))
    assert result.summary.arrivals > 0
    assert result.summary.departed > 0


def test_huu_nghi_scenarios_differ_only_in_demand_and_what_serves_it():
    today, target = scenario.load("huu-nghi-1119-800"), scenario.load("huu-nghi-1119-2500")
    assert (today.arrivals.per_day, target.arrivals.per_day) == (800, 2500)
    assert today.inspection == target.inspection
    assert today.arrivals.profile == target.arrivals.profile


def test_mong_cai_holds_cold_chain_and_starts_with_the_backlog():
    mong_cai = scenario.load("mong-cai-2022-04")
    assert mong_cai.start == date(2022, 4, 26)
    assert mong_cai.arrivals.backlog == 1646
    [cold_chain] = mong_cai.suspensions
    assert cold_chain.scope.flags == ("cold_chain",)
    assert (cold_chain.starts_at, cold_chain.ends_at) == (mong_cai.origin, None)
    assert mong_cai.delivery.name == "tractor_swap"
    assert mong_cai.rules.priority_order == ("backlog", "production_input")
    assert mong_cai.rules.green_zone
    assert effective_capacity(mong_cai.capacity, mong_cai.start, 8) == 10
    assert effective_capacity(mong_cai.capacity, mong_cai.start, 7) == 0


def test_a_minimal_file_gets_the_defaults_in_hours():
    minimal = parse(MINIMAL)
    assert minimal.days == 7
    assert (minimal.opens, minimal.closes) == (0.0, 24.0)
    assert minimal.inspection.service.mean == pytest.approx(3 / 60)
    assert minimal.arrivals.live_rates() == pytest.approx([100 / 24] * 24)
    assert minimal.secondary is None and minimal.delivery is None


def test_a_full_file_is_read_into_every_part():
    full = parse(
        MINIMAL.replace('name = "minimal"', 'name = "minimal"\nstart = 2026-01-05')
        + """
        [gate]
        opens = "07:30"
        closes = "22:00"
        [goods]
        general = 3
        fruit = { share = 1, flags = ["perishable"], hs = ["0810"] }
        [yard]
        capacity = 50
        [secondary]
        probability = 0.1
        lanes = 1
        service = { dist = "lognormal", mean_min = 30, cv = 0.5 }
        [delivery]
        mode = "agv_shuttle"
        units = 4
        [rules]
        priority_order = ["perishable", "backlog"]
        backlog_hours = 12
        live_every = 2
        booking_share = 0.5
        green_zone = true
        [capacity]
        vn = 30
        cn = [0, 0, 0, 0, 0, 0, 0, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 0, 0, 0, 0, 0, 0]
        [[capacity.change]]
        from_day = 1
        until_day = 2
        vn = 5
        [[suspension]]
        hs_prefixes = ["0810"]
        from_day = 1
        until_day = 2.5
        reason = "fruit tested"
        [[truck]]
        arrives = -30
        goods = "fruit"
        [[truck]]
        arrives = 2.5
        slot = 3
        """
    )
    assert (full.opens, full.closes) == (7.5, 22.0)
    assert full.goods == (
        Goods("general", 0.75),
        Goods("fruit", 0.25, frozenset({"perishable"}), ("0810",)),
    )
    assert full.yard_capacity == 50
    assert full.secondary.service == Lognormal(0.5, 0.5)
    assert full.delivery.name == "agv_shuttle" and full.delivery.units == 4
    assert full.rules == GateRules(
        priority_order=("perishable", "backlog"),
        backlog_hours=12,
        live_every=2,
        booking_share=0.5,
        green_zone=True,
    )
    day_one, day_two = date(2026, 1, 5), date(2026, 1, 6)
    assert effective_capacity(full.capacity, day_one, 8) == 20
    assert effective_capacity(full.capacity, day_one, 3) == 0
    assert effective_capacity(full.capacity, day_two, 8) == 5
    assert effective_capacity(full.capacity, date(2026, 1, 7), 8) == 20
    [fruit] = full.suspensions
    assert fruit.scope.hs_prefixes == ("0810",) and fruit.reason == "fruit tested"
    assert (full.hours(fruit.starts_at), full.hours(fruit.ends_at)) == (24, 60)
    assert full.trucks == (
        ListedTruck(-30.0, "fruit"),
        ListedTruck(2.5, "general", 3.0),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("lanes = 2", "lanes = 0"), "test.toml: inspection.lanes: must be at least 1, got 0"),
        (("lanes = 2", "lanes = 1.5"), "inspection.lanes: must be a whole number >= 0, got 1.5"),
        (("per_day = 100", "per_day = -1"), "arrivals.per_day: must not be negative, got -1"),
        (("per_day = 100", "perday = 100"), "arrivals.per_day: required"),
        (("lanes = 2", "lanes = 2\nspeed = 3"), "inspection.speed: unknown key"),
        (("mean_min = 3", 'mean_min = "3"'), "inspection.service: mean_min: must be a number"),
        (('"exponential"', '"weibull"'), "inspection.service: dist: must be one of"),
        (('name = "minimal"', 'name = "x"\ndays = 2\nwarmup_days = 2'), "warmup_days: must be"),
        (('name = "minimal"', 'name = "x"\npriority = ["vip"]'), "priority: is now [rules]"),
        (("[arrivals]", '[rules]\npriority_order = ["vip"]\n[arrivals]'), "unknown priority"),
        (("[arrivals]", "[rules]\nlive_every = 0\n[arrivals]"), "rules.live_every: must be"),
        (("[arrivals]", "[rules]\ngreen_zone = 1\n[arrivals]"), "must be true or false"),
        (("[arrivals]", "[capacity]\nvn = [1, 2]\n[arrivals]"), "24 hourly numbers, got 2"),
        (("[arrivals]", "[capacity]\nvn = -1\n[arrivals]"), "capacity.vn: must be a whole"),
        (("[arrivals]", "[capacity]\nvn = 3\n[arrivals]"), "capacity.cn: required"),
        (("[arrivals]", '[goods]\nx = { share = 1, flags = ["vip"] }\n[arrivals]'), "not a flag"),
        (("[arrivals]", '[goods]\nx = { share = 1, hs = ["08a"] }\n[arrivals]'), "not an HS"),
    ],
)
def test_a_bad_field_is_named_with_its_reason(change, message):
    with pytest.raises(ScenarioError) as error:
        parse(MINIMAL.replace(*change))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_suspension_names_what_it_stops():
    with pytest.raises(ScenarioError, match=r"suspension\[0\]\.flags: name flags or hs_prefixes"):
        parse(MINIMAL + "[[suspension]]\nfrom_day = 1\n")
    with pytest.raises(ScenarioError, match=r"suspension\[0\]\.until_day: must be later"):
        parse(MINIMAL + '[[suspension]]\nflags = ["cold_chain"]\nfrom_day = 2\nuntil_day = 1\n')


def test_a_listed_truck_must_be_of_a_known_class_and_come_within_the_run():
    with pytest.raises(ScenarioError, match=r"truck\[0\]\.goods: 'fruit' is not one of"):
        parse(MINIMAL + '[[truck]]\narrives = 1\ngoods = "fruit"\n')
    with pytest.raises(ScenarioError, match=r"truck\[0\]\.arrives: must be before the end"):
        parse(MINIMAL + "[[truck]]\narrives = 500\n")


def test_opening_hours_must_be_times_of_day_in_order():
    with pytest.raises(ScenarioError, match='gate.opens: must be a time of day like "07:30"'):
        parse(MINIMAL + "[gate]\nopens = 7\n")
    with pytest.raises(ScenarioError, match="gate.closes: must be later than gate.opens"):
        parse(MINIMAL + '[gate]\nopens = "09:00"\ncloses = "08:00"\n')


def test_a_delivery_mode_must_be_one_we_know():
    with pytest.raises(ScenarioError, match="delivery.mode: must be one of direct_crossing"):
        parse(MINIMAL + '[delivery]\nmode = "teleport"\n')


def test_invalid_toml_is_reported_as_such():
    with pytest.raises(ScenarioError, match="test.toml: not valid TOML"):
        parse("name = ")


def test_a_missing_file_names_the_shipped_scenarios(tmp_path):
    with pytest.raises(ScenarioError, match="no such file .* huu-nghi-1119-800"):
        scenario.load(tmp_path / "missing.toml")


def test_scenario_errors_are_domain_errors_so_the_cli_prints_one_line():
    assert issubclass(ScenarioError, DomainError)


def test_arrivals_can_replay_a_csv_of_recorded_events(tmp_path):
    (tmp_path / "events.csv").write_text(
        "truck_id,event,timestamp\n"
        "a,arrived,2025-03-03T06:30:00\n"
        "a,anpr_read,2025-03-03T06:31:00\n"
        "b,arrived,2025-03-03T08:15:00\n"
        "a,service_start,2025-03-03T07:00:00\n"
    )
    text = MINIMAL.replace("per_day = 100", 'replay = "events.csv"')
    (tmp_path / "replay.toml").write_text(
        text.replace('name = "minimal"', 'name = "r"\nstart = 2025-03-03')
    )
    replayed = scenario.load(tmp_path / "replay.toml")
    assert replayed.arrivals.replay == (6.5, 8.25)


def test_a_replay_counts_from_the_scenarios_start_not_its_first_truck(tmp_path):
    (tmp_path / "events.csv").write_text(
        "truck_id,event,timestamp\na,arrived,2025-04-29T10:00:00\n"
    )
    text = MINIMAL.replace("per_day = 100", 'replay = "events.csv"')
    (tmp_path / "replay.toml").write_text(
        text.replace('name = "minimal"', 'name = "r"\nstart = 2025-04-28')
    )
    assert scenario.load(tmp_path / "replay.toml").arrivals.replay == (34.0,)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("a,arrived,yesterday\n", "events.csv:2: timestamp: not ISO 8601: 'yesterday'"),
        (
            "a,arrived,2025-03-03T06:30:00\nb,arrived,2025-03-03T07:30:00+07:00\n",
            "timestamps mix times with and without a UTC offset",
        ),
        ("", "events.csv holds no arrivals"),
        ("a,service_start,2025-03-03T06:30:00\n", "events.csv holds no arrivals"),
    ],
)
def test_a_replay_file_that_cannot_be_used_is_refused_in_one_line(tmp_path, rows, message):
    (tmp_path / "events.csv").write_text("truck_id,event,timestamp\n" + rows)
    (tmp_path / "replay.toml").write_text(MINIMAL.replace("per_day = 100", 'replay = "events.csv"'))
    with pytest.raises(ScenarioError) as error:
        scenario.load(tmp_path / "replay.toml")
    assert "arrivals.replay: " in str(error.value) and message in str(error.value)
    assert "\n" not in str(error.value)


def test_replay_cannot_be_mixed_with_generated_arrivals(tmp_path):
    (tmp_path / "events.csv").write_text("truck_id,event,timestamp\n")
    (tmp_path / "both.toml").write_text(
        MINIMAL.replace("per_day = 100", 'per_day = 100\nreplay = "events.csv"')
    )
    with pytest.raises(ScenarioError, match="arrivals.per_day: cannot be combined with"):
        scenario.load(tmp_path / "both.toml")


def test_variants_change_lanes_mode_or_demand_and_say_so_in_their_name():
    base = parse(MINIMAL)
    variant = base.variant(lanes=3, mode="tractor_swap", per_day=250)
    assert variant.name == "minimal [lanes=3 mode=tractor_swap rate=250]"
    assert variant.inspection.lanes == 3
    assert variant.delivery.name == "tractor_swap"
    assert variant.arrivals.per_day == 250
    assert base.variant() == base
