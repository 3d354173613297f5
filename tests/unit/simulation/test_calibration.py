"""Calibration round trip: simulate a known gate, record its events, fit them, compare."""

from datetime import date

import numpy as np
import pytest

from smartgate.simulation import calibration, events
from smartgate.simulation.distributions import Deterministic, Exponential, Lognormal
from smartgate.simulation.experiment import InlineExecutor, run_experiment
from smartgate.simulation.gate import simulate
from smartgate.simulation.scenario import Arrivals, Scenario, Stage

# Trucks come from 05:00 to 23:00 but are inspected 06:00-20:00 only, so the events show both.
PROFILE = (0,) * 5 + (1, 1, 2, 3, 3, 3, 2, 2, 2, 3, 3, 2, 1, 1, 1, 1, 1, 1) + (0,)
TRUTH = Scenario(
    name="truth",
    start=date(2025, 3, 3),
    days=28,
    opens=6.0,
    closes=20.0,
    arrivals=Arrivals(per_day=300, profile=tuple(w / sum(PROFILE) for w in PROFILE)),
    inspection=Stage(3, Lognormal(6 / 60, 0.6)),
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A month of the true gate's events, written to CSV and read back as a gate records it."""
    run = simulate(TRUTH, np.random.default_rng(11))
    path = tmp_path_factory.mktemp("events") / "events.csv"
    events.write_csv(events.from_trucks(run.trucks, TRUTH.start), path)
    return list(events.read_csv(path))


@pytest.fixture(scope="module")
def fitted(recorded):
    return calibration.calibrate(recorded)


def test_hourly_arrival_rates_are_recovered(fitted):
    truth = np.array(TRUTH.arrivals.live_rates())
    # A month of Poisson counts: standard error sqrt(rate / 28), below 0.8 trucks an hour.
    assert np.abs(np.array(fitted.hourly_rates) - truth).max() < 3 * np.sqrt(truth.max() / 28)
    assert sum(fitted.hourly_rates) == pytest.approx(300, rel=0.03)


def test_lanes_hours_and_period_are_read_off_the_events(fitted):
    assert fitted.lanes == TRUTH.inspection.lanes
    assert (fitted.opens, fitted.closes) == (TRUTH.opens, TRUTH.closes)
    assert fitted.start == TRUTH.start
    assert fitted.days == TRUTH.days


def test_the_lognormal_fit_wins_and_recovers_mean_and_cv(fitted):
    assert fitted.best.name == "lognormal"
    assert fitted.best.distribution.mean == pytest.approx(6 / 60, rel=0.03)
    assert fitted.best.distribution.cv == pytest.approx(0.6, rel=0.1)
    assert [fit.ks for fit in fitted.fits] == sorted(fit.ks for fit in fitted.fits)


@pytest.mark.parametrize(
    ("truth", "name"),
    [(Exponential(2.0), "exponential"), (Deterministic(2.0), "deterministic")],
)
def test_the_fit_picks_the_family_the_data_came_from(truth, name):
    sample = truth.sampler(np.random.default_rng(3))
    fits = calibration.fit_service([sample() for _ in range(2000)])
    assert fits[0].name == name
    assert fits[0].distribution.mean == pytest.approx(2.0, rel=0.05)


def test_the_calibrated_model_predicts_what_was_observed(fitted):
    model = calibration.calibrated_scenario(fitted, name="fitted")
    [result] = run_experiment([model], 10, seed=1, executor=InlineExecutor())
    rows = {row.metric: row for row in calibration.compare(fitted, result)}
    assert set(rows) == {
        "arrivals / day",
        "throughput / day",
        "mean wait (h)",
        "p95 wait (h)",
        "utilisation",
    }
    for metric in ("arrivals / day", "throughput / day", "utilisation"):
        assert rows[metric].predicted.mean == pytest.approx(rows[metric].observed, rel=0.05)
    # One observed month against the model's replications: waits are noisier than counts.
    assert rows["mean wait (h)"].predicted.mean == pytest.approx(
        rows["mean wait (h)"].observed, rel=0.25
    )


def test_too_few_events_cannot_be_calibrated():
    with pytest.raises(ValueError, match="at least two arrivals"):
        calibration.calibrate([])
