"""Replications and sweeps through any concurrent.futures Executor, with confidence intervals."""

import csv
import io
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from smartgate.simulation import experiment
from smartgate.simulation.distributions import Exponential
from smartgate.simulation.experiment import InlineExecutor, confidence_interval, run_experiment
from smartgate.simulation.records import METRICS
from smartgate.simulation.scenario import Arrivals, Scenario, Stage

BASE = Scenario(
    name="base",
    arrivals=Arrivals(per_day=400),
    inspection=Stage(2, Exponential(6 / 60)),
    days=3,
    warmup_days=1,
)


def test_confidence_interval_of_known_values():
    estimate = confidence_interval([1.0, 2.0, 3.0, float("nan")])
    assert estimate.mean == 2.0
    # t(0.975, 2) = 4.303, standard error 1 / sqrt(3).
    assert estimate.half_width == pytest.approx(4.303 / 3**0.5, rel=1e-3)
    single = confidence_interval([5.0])
    assert single.mean == 5.0 and single.half_width != single.half_width  # NaN


def test_a_sweep_is_every_combination_of_lanes_modes_and_rates():
    variants = experiment.sweep(
        BASE, lanes=[2, 3], modes=["direct_crossing", "agv_shuttle"], rates=[300, 600]
    )
    assert len(variants) == 8
    assert variants[0].name == "base [lanes=2 mode=direct_crossing rate=300]"
    assert {(v.inspection.lanes, v.delivery.name, v.arrivals.per_day) for v in variants} == {
        (n, m, r) for n in (2, 3) for m in ("direct_crossing", "agv_shuttle") for r in (300, 600)
    }
    assert experiment.sweep(BASE) == [BASE]


def test_a_sweep_runs_on_a_thread_pool_as_it_would_on_a_cluster_executor():
    variants = experiment.sweep(BASE, lanes=[2, 3], rates=[300, 500])
    ticks = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = run_experiment(
            variants, 5, seed=3, executor=pool, progress=lambda: ticks.append(1)
        )
    assert len(ticks) == 4 * 5
    assert [r.scenario for r in results] == [v.name for v in variants]
    assert all(set(r.estimates) == set(METRICS) for r in results)
    assert all(len(r.summaries) == 5 for r in results)
    waits = {r.scenario: r.estimates["mean_wait"].mean for r in results}
    # Common random numbers: a third lane shortens the wait at either demand.
    assert waits["base [lanes=3 rate=300]"] < waits["base [lanes=2 rate=300]"]
    assert waits["base [lanes=3 rate=500]"] < waits["base [lanes=2 rate=500]"]


def test_results_do_not_depend_on_the_executor():
    inline = run_experiment([BASE], 3, seed=8, executor=InlineExecutor())
    with ProcessPoolExecutor(max_workers=2) as pool:
        processes = run_experiment([BASE], 3, seed=8, executor=pool)
    assert inline[0].summaries == processes[0].summaries


def test_hourly_profiles_are_averaged_over_replications():
    [result] = run_experiment([BASE], 3, seed=1, executor=InlineExecutor())
    assert len(result.profile) == int(BASE.horizon) + 1
    assert [s.time for s in result.profile[:3]] == [0.0, 1.0, 2.0]


def test_the_csv_has_one_row_per_scenario_with_mean_and_interval_of_each_metric():
    results = run_experiment(experiment.sweep(BASE, lanes=[2, 3]), 3, executor=InlineExecutor())
    rows = list(csv.DictReader(io.StringIO(experiment.csv_text(results))))
    assert [row["scenario"] for row in rows] == ["base [lanes=2]", "base [lanes=3]"]
    assert rows[0]["replications"] == "3"
    for metric in METRICS:
        low, mean, high = (float(rows[0][f"{metric}_{part}"]) for part in ("low", "mean", "high"))
        assert low <= mean <= high


def test_replications_must_be_positive():
    with pytest.raises(ValueError, match="replications must be at least 1"):
        run_experiment([BASE], 0, executor=InlineExecutor())
