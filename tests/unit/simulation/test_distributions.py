"""Service-time distributions: sample moments, and scenario specs with clear errors."""

import math

import numpy as np
import pytest

from smartgate.simulation import distributions
from smartgate.simulation.distributions import Deterministic, Empirical, Exponential, Lognormal

N = 50_000


def draws(distribution, n=N, seed=1):
    sample = distribution.sampler(np.random.default_rng(seed))
    return np.array([sample() for _ in range(n)])


def test_exponential_has_its_mean_and_a_coefficient_of_variation_of_one():
    values = draws(Exponential(2.0))
    assert values.mean() == pytest.approx(2.0, rel=0.03)
    assert values.std() / values.mean() == pytest.approx(1.0, rel=0.03)


def test_deterministic_returns_its_value_every_time():
    assert set(draws(Deterministic(0.25), n=100)) == {0.25}
    assert Deterministic(0.25).mean == 0.25


def test_lognormal_matches_the_mean_and_cv_it_is_given():
    values = draws(Lognormal(3.0, 0.5))
    assert values.mean() == pytest.approx(3.0, rel=0.02)
    assert values.std() / values.mean() == pytest.approx(0.5, rel=0.05)
    assert (values > 0).all()


def test_empirical_resamples_the_recorded_values_with_equal_weight():
    values = draws(Empirical((1.0, 2.0, 6.0)))
    assert set(values) == {1.0, 2.0, 6.0}
    assert values.mean() == pytest.approx(3.0, rel=0.02)
    assert Empirical((1.0, 2.0, 6.0)).mean == 3.0


def test_samplers_refill_past_one_block_and_depend_only_on_their_generator():
    first = draws(Exponential(1.0), n=10_000, seed=7)
    again = draws(Exponential(1.0), n=10_000, seed=7)
    assert len(set(first)) == len(first)
    assert (first == again).all()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"dist": "exponential", "mean_min": 3}, Exponential(3 / 60)),
        ({"dist": "deterministic", "mean_min": 1.5}, Deterministic(1.5 / 60)),
        ({"dist": "lognormal", "mean_min": 6, "cv": 0.4}, Lognormal(6 / 60, 0.4)),
        ({"dist": "empirical", "values_min": [1, 2]}, Empirical((1 / 60, 2 / 60))),
    ],
)
def test_specs_in_minutes_become_distributions_in_hours(spec, expected):
    assert distributions.parse(spec, scale=1 / 60) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"dist": "gamma", "mean_min": 1}, "dist: must be one of exponential, "),
        ({"dist": "lognormal", "mean_min": 1}, "cv: required for dist 'lognormal'"),
        ({"dist": "exponential", "mean_min": 1, "cv": 1}, "cv: unknown key for dist"),
        ({"dist": "exponential", "mean_min": 0}, "mean_min: must be positive, got 0"),
        ({"dist": "exponential", "mean_min": "2"}, "mean_min: must be a number, got '2'"),
        ({"dist": "lognormal", "mean_min": 1, "cv": -1}, "cv: must be positive"),
        ({"dist": "empirical", "values_min": []}, "values_min: must list at least one"),
        ({"dist": "empirical", "values_min": [1, -2]}, "values_min: must not be negative"),
    ],
)
def test_bad_specs_name_the_key_and_the_reason(spec, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        distributions.parse(spec)


def test_lognormal_parameters_of_the_underlying_normal():
    dist = Lognormal(2.0, 1.0)
    assert dist.sigma == pytest.approx(math.sqrt(math.log(2)))
    assert math.exp(dist.mu + dist.sigma**2 / 2) == pytest.approx(2.0)
