"""The simulator against queueing theory: mean waits inside the 95 % confidence interval
over independent replications, for the bare queue and for the full gate model."""

import numpy as np
import pytest

from smartgate.simulation import analytic
from smartgate.simulation.distributions import Deterministic, Exponential
from smartgate.simulation.experiment import (
    Estimate,
    InlineExecutor,
    confidence_interval,
    run_experiment,
)
from smartgate.simulation.queues import simulate_queue
from smartgate.simulation.scenario import Arrivals, Scenario, Stage

REPLICATIONS = 20
CUSTOMERS = 20_000


def replicated_mean_wait(arrival_rate, service, servers, seed=2024) -> Estimate:
    seeds = np.random.SeedSequence(seed).spawn(REPLICATIONS)
    runs = [
        simulate_queue(
            arrival_rate, service, servers, CUSTOMERS, np.random.default_rng(s), CUSTOMERS // 10
        )
        for s in seeds
    ]
    return confidence_interval(run.mean_wait for run in runs)


def assert_inside(estimate: Estimate, theory: float) -> None:
    assert estimate.low <= theory <= estimate.high, (estimate, theory)
    # An interval so wide that it always holds the theory would prove nothing.
    assert estimate.half_width < 0.1 * theory


def test_erlang_c_of_the_benchmark_queue():
    assert analytic.mmc_mean_wait(7.2, 1.0, 8) == pytest.approx(0.8769, abs=1e-4)
    # One server: Erlang C is rho, and Wq = rho / (mu - lambda).
    assert analytic.erlang_c(1, 0.5) == pytest.approx(0.5)
    assert analytic.mmc_mean_wait(0.5, 1.0, 1) == pytest.approx(1.0)


def test_pollaczek_khinchine_and_cosmetatos_agree_on_one_server():
    assert analytic.md1_mean_wait(0.7, 1.0) == pytest.approx(0.7 / (2 * 0.3))
    assert analytic.mdc_mean_wait_cosmetatos(0.7, 1.0, 1) == pytest.approx(
        analytic.md1_mean_wait(0.7, 1.0)
    )


@pytest.mark.parametrize("bad", [(0.0, 1.0, 1), (1.0, 0.0, 1), (1.0, 1.0, 0), (2.0, 1.0, 2)])
def test_unusable_queues_are_refused(bad):
    with pytest.raises(ValueError):
        analytic.check_stable(*bad)


@pytest.mark.parametrize(("arrival_rate", "servers"), [(0.8, 1), (2.4, 3)])
def test_mmc_mean_wait_matches_erlang_c(arrival_rate, servers):
    estimate = replicated_mean_wait(arrival_rate, Exponential(1.0), servers)
    assert_inside(estimate, analytic.mmc_mean_wait(arrival_rate, 1.0, servers))


def test_md1_mean_wait_matches_pollaczek_khinchine():
    estimate = replicated_mean_wait(0.7, Deterministic(1.0), 1)
    assert_inside(estimate, analytic.md1_mean_wait(0.7, 1.0))


def test_mdc_mean_wait_is_near_cosmetatos_approximation():
    # Not exact theory: the approximation is known to be within a few per cent here.
    estimate = replicated_mean_wait(2.4, Deterministic(1.0), 3)
    assert estimate.mean == pytest.approx(analytic.mdc_mean_wait_cosmetatos(2.4, 1.0, 3), rel=0.08)


def test_the_gate_model_reduced_to_mmc_matches_erlang_c():
    # Constant 12 trucks an hour, 3 lanes of exponential 12-minute inspections, nothing else:
    # the full model (yard, stations, thinning arrivals) must then behave as M/M/3.
    gate = Scenario(
        name="M/M/3 as a gate",
        arrivals=Arrivals(per_day=12 * 24),
        inspection=Stage(3, Exponential(12 / 60)),
        days=30,
        warmup_days=2,
    )
    [result] = run_experiment([gate], REPLICATIONS, seed=5, executor=InlineExecutor())
    assert_inside(result.estimates["mean_wait"], analytic.mmc_mean_wait(12, 5, 3))
    assert result.estimates["utilisation"].mean == pytest.approx(0.8, rel=0.02)
    assert result.estimates["throughput_per_day"].mean == pytest.approx(12 * 24, rel=0.02)
