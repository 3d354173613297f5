"""HTML reports open offline: plotly.js is inside the page and nothing is fetched."""

import math
import re
from datetime import date

import numpy as np
import pytest

from smartgate.simulation import calibration, events, report
from smartgate.simulation.distributions import Lognormal
from smartgate.simulation.experiment import Estimate, InlineExecutor, run_experiment, sweep
from smartgate.simulation.gate import simulate
from smartgate.simulation.scenario import Arrivals, Scenario, Stage

BASE = Scenario(
    name="report <gate>",
    start=date(2025, 3, 3),
    arrivals=Arrivals(per_day=300),
    inspection=Stage(2, Lognormal(6 / 60, 0.5)),
    days=3,
)


def assert_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<script") >= 2, "plotly.js and at least one chart"
    assert "Plotly.newPlot" in page
    # No script, stylesheet or image from elsewhere: the page must open without a network.
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", page)


@pytest.fixture(scope="module")
def results():
    return run_experiment(sweep(BASE, lanes=[2, 3]), 3, executor=InlineExecutor())


def test_the_experiment_report_is_one_self_contained_page(results, tmp_path):
    page = report.experiment_report(results, title="Lanes & demand")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    assert_self_contained(path.read_text(encoding="utf-8"))
    assert "<title>Lanes &amp; demand</title>" in page
    assert "report &lt;gate&gt; [lanes=3]" in page, "scenario names are escaped in the table"
    assert "mean wait (h)" in page


def test_the_calibration_report_shows_observed_beside_predicted():
    run = simulate(BASE, np.random.default_rng(2))
    fitted = calibration.calibrate(events.from_trucks(run.trucks, BASE.start))
    model = calibration.calibrated_scenario(fitted)
    [result] = run_experiment([model], 3, executor=InlineExecutor())
    page = report.calibration_report(fitted, calibration.compare(fitted, result))
    assert_self_contained(page)
    assert "Observed against predicted" in page
    assert "service fit: lognormal" in page


@pytest.mark.parametrize(
    ("estimate", "text"),
    [
        (Estimate(15.2012, 14.835, 15.5674), "15.20 ± 0.37"),
        (Estimate(1062.5, 1049.6, 1075.4), "1062 ± 13"),
        (Estimate(3701.5, 3532.6, 3870.4), "3702 ± 169"),
        (Estimate(0.87691, 0.87331, 0.88051), "0.8769 ± 0.0036"),
        (Estimate(300.0, 300.0, 300.0), "300 ± 0"),
        (Estimate(0.5, math.nan, math.nan), "0.5"),
    ],
)
def test_estimates_show_the_digits_the_interval_supports(estimate, text):
    assert report.format_estimate(estimate) == text
