"""Self-contained Plotly HTML reports: the plotly.js bundle is embedded so they open offline."""

import html
import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots
from scipy import stats

from smartgate.simulation.advisor import Advice
from smartgate.simulation.calibration import Calibration, Comparison
from smartgate.simulation.distributions import Deterministic, Exponential, Lognormal
from smartgate.simulation.experiment import Estimate, ScenarioResult
from smartgate.simulation.records import METRICS

COLOURS = qualitative.Plotly


def experiment_report(results: Sequence[ScenarioResult], title: str) -> str:
    """HTML page: the results table, each metric with its CI per scenario, hourly queues."""
    rows = [
        [r.scenario, str(len(r.summaries))] + [format_estimate(r.estimates[m]) for m in METRICS]
        for r in results
    ]
    table = _table(["scenario", "replications", *METRICS.values()], rows)
    return _page(title, table, [_metric_bars(results), _profiles(results)])


def advice_report(advice: Advice, sentences: dict[str, str]) -> str:
    """HTML page: the scenario's inputs, the conclusion in each language, the p95 wait at
    every value tried against the target."""
    s = advice.scenario
    inputs = [
        ["scenario", s.name],
        ["description", s.description],
        ["days simulated (warm-up)", f"{s.days:g} ({s.warmup_days:g})"],
        ["trucks a day (booked share)", f"{s.arrivals.per_day:g} ({s.arrivals.booked_share:g})"],
        [
            "trucks waiting at the start",
            str(s.arrivals.backlog + sum(t.arrives < 0 for t in s.trucks)),
        ],
        ["inspection lanes", str(s.inspection.lanes)],
        ["delivery", f"{s.delivery.name} × {s.delivery.units}" if s.delivery else "none"],
        ["priority order", ", ".join(s.rules.priority_order) or "none"],
        ["one walk-up after booked", str(s.rules.live_every)],
        ["green zone", "yes" if s.rules.green_zone else "no"],
        ["suspensions", str(len(s.suspensions))],
        ["varied", f"{advice.variable} {advice.tried[0][0]}..{advice.tried[-1][0]}"],
        ["target: p95 wait under", f"{advice.target_minutes:g} min"],
    ]
    said = "".join(
        f"<p lang='{lang}'><b>{lang}</b>: {html.escape(text)}</p>"
        for lang, text in sentences.items()
    )
    figure = go.Figure()
    values = [value for value, _ in advice.tried]
    estimates = [result.estimates["p95_wait"] for _, result in advice.tried]
    figure.add_scatter(
        x=values,
        y=[e.mean * 60 for e in estimates],
        mode="lines+markers",
        name="p95 wait",
        error_y={"type": "data", "array": [_zero_nan(e.half_width) * 60 for e in estimates]},
    )
    figure.add_hline(y=advice.target_minutes, line_dash="dash", annotation_text="target")
    figure.update_layout(
        title="p95 wait (minutes, 95 % CI) by " + advice.variable,
        xaxis_title=advice.variable,
        yaxis_title="minutes",
        height=420,
    )
    return _page(f"Capacity advice: {s.name}", said + _table(["input", "value"], inputs), [figure])


def calibration_report(calibration: Calibration, comparisons: Sequence[Comparison]) -> str:
    """HTML page: observed beside predicted, hourly arrival rates, service-time fits."""
    rows = [[c.metric, f"{c.observed:.3f}", format_estimate(c.predicted)] for c in comparisons]
    rows += [
        [f"service fit: {fit.name}", f"KS {fit.ks:.3f}", "chosen" if i == 0 else ""]
        for i, fit in enumerate(calibration.fits)
    ]
    table = _table(["metric", "observed", "predicted (95 % CI)"], rows)
    figures = [
        _observed_vs_predicted(comparisons),
        _hourly_rates(calibration),
        _service_fits(calibration),
    ]
    return _page("Calibration: observed against predicted", table, figures)


def format_estimate(estimate: Estimate) -> str:
    """'mean ± half-width' to the half-width's second significant digit: more digits would
    be noise. Just the mean when there is no interval."""
    half = estimate.half_width
    if math.isnan(half) or half == 0:
        return f"{estimate.mean:.4g}" + ("" if math.isnan(half) else " ± 0")
    decimals = max(0, 1 - math.floor(math.log10(half)))
    return f"{estimate.mean:.{decimals}f} ± {half:.{decimals}f}"


def _metric_bars(results: Sequence[ScenarioResult]) -> go.Figure:
    figure = make_subplots(rows=len(METRICS), cols=1, subplot_titles=list(METRICS.values()))
    names = [r.scenario for r in results]
    for row, metric in enumerate(METRICS, start=1):
        estimates = [r.estimates[metric] for r in results]
        figure.add_bar(
            x=names,
            y=[e.mean for e in estimates],
            row=row,
            col=1,
            showlegend=False,
            error_y={"type": "data", "array": [_zero_nan(e.half_width) for e in estimates]},
        )
    figure.update_layout(height=260 * len(METRICS), title="Means with 95 % confidence intervals")
    return figure


def _profiles(results: Sequence[ScenarioResult]) -> go.Figure:
    panels = [("road_queue", "trucks waiting on the road"), ("yard", "trucks in the yard")]
    if any(sample.held for result in results for sample in result.profile):
        panels.append(("held", "trucks held by a suspension"))
    figure = make_subplots(
        rows=len(panels), cols=1, shared_xaxes=True, subplot_titles=[t for _, t in panels]
    )
    for i, result in enumerate(results):
        # One colour per scenario in every panel, so the single legend serves them all.
        colour = COLOURS[i % len(COLOURS)]
        hours = [s.time for s in result.profile]
        for row, (field, _) in enumerate(panels, start=1):
            figure.add_scatter(
                x=hours,
                y=[getattr(s, field) for s in result.profile],
                name=result.scenario,
                legendgroup=result.scenario,
                showlegend=row == 1,
                line={"color": colour},
                row=row,
                col=1,
            )
    figure.update_xaxes(title_text="hour of the run", row=len(panels), col=1)
    figure.update_layout(height=300 * len(panels), title="Mean over replications, top of each hour")
    return figure


def _observed_vs_predicted(comparisons: Sequence[Comparison]) -> go.Figure:
    figure = make_subplots(
        rows=1, cols=len(comparisons), subplot_titles=[c.metric for c in comparisons]
    )
    for col, c in enumerate(comparisons, start=1):
        figure.add_bar(
            x=["observed"], y=[c.observed], marker_color="#555", row=1, col=col, showlegend=False
        )
        figure.add_bar(
            x=["predicted"],
            y=[c.predicted.mean],
            marker_color="#1f77b4",
            error_y={"type": "data", "array": [_zero_nan(c.predicted.half_width)]},
            row=1,
            col=col,
            showlegend=False,
        )
    figure.update_layout(height=380, title="Observed against predicted (95 % CI)")
    return figure


def _hourly_rates(calibration: Calibration) -> go.Figure:
    figure = go.Figure(go.Bar(x=list(range(24)), y=list(calibration.hourly_rates)))
    figure.update_layout(
        title="Observed arrivals per hour of day (model input)",
        xaxis_title="hour of day",
        yaxis_title="trucks / hour",
        height=380,
    )
    return figure


def _service_fits(calibration: Calibration) -> go.Figure:
    data = np.asarray(calibration.service_times) * 60
    figure = go.Figure(
        go.Histogram(x=data, histnorm="probability density", name="observed", opacity=0.5)
    )
    grid = np.linspace(0, float(np.percentile(data, 99.5)), 200)
    for fit in calibration.fits:
        dist = fit.distribution
        label = f"{fit.name} (KS {fit.ks:.3f})"
        if isinstance(dist, Deterministic):
            figure.add_vline(x=dist.value * 60, line_dash="dash", annotation_text=label)
        elif isinstance(dist, Exponential):
            figure.add_scatter(x=grid, y=stats.expon.pdf(grid, scale=dist.mean * 60), name=label)
        elif isinstance(dist, Lognormal):
            density = stats.lognorm.pdf(grid, dist.sigma, scale=math.exp(dist.mu) * 60)
            figure.add_scatter(x=grid, y=density, name=label)
    figure.update_layout(
        title="Service time: observed and fitted", xaxis_title="minutes", height=420
    )
    return figure


def _zero_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _page(title: str, table: str, figures: Sequence[go.Figure]) -> str:
    # Only the first figure carries plotly.js (inline, ~4.8 MB) so the page works offline once.
    charts = "".join(
        figure.to_html(full_html=False, include_plotlyjs=i == 0) for i, figure in enumerate(figures)
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{table}{charts}</body></html>"
    )
