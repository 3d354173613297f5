"""The authority's plan form read, and two simulated futures laid side by side for the page."""

from typing import Any

from smartgate.simulation.experiment import ScenarioResult

CHART_WIDTH, CHART_HEIGHT = 600, 180
# (field of the results, label, hours shown as minutes?)
FIGURES = (
    ("mean_wait", "Mean wait", True),
    ("p95_wait", "95 % of trucks wait less than", True),
    ("throughput_per_day", "Trucks crossing a day", False),
    ("road_queue_end", "Trucks waiting at the end", False),
)
HELD = "Trucks held at the end"


def plan_data(form: dict[str, Any]) -> dict[str, Any]:
    """The plan form as PlanIn's fields: empty fields change nothing."""
    return {name: value for name, value in form.items() if value != ""}


def comparison(results: tuple[ScenarioResult, ...], hours: int) -> dict[str, Any]:
    """Each figure as now and with the change, and the trucks waiting hour by hour as lines."""
    rows = []
    for field, label, minutes in FIGURES:
        values = [r.estimates[field].mean for r in results]
        rows.append({"label": label, "values": [_shown(v, minutes) for v in values]})
    held = [sum(s.held for s in r.summaries) / len(r.summaries) for r in results]
    rows.append({"label": HELD, "values": [f"{h:,.0f}" for h in held]})
    empty = all(s.arrivals == 0 for r in results for s in r.summaries)
    return {"rows": rows, "hours": hours, "chart": _chart(results), "empty": empty}


def _shown(value: float, minutes: bool) -> str:
    if value != value:  # NaN: nobody measured
        return "—"
    if minutes:
        return f"{value * 60:,.0f} min" if value < 2 else f"{value:,.1f} h"
    return f"{value:,.0f}"


def _chart(results: tuple[ScenarioResult, ...]) -> dict[str, Any]:
    """Polylines of the mean trucks waiting at the top of each hour, scaled to the chart."""
    series = [[s.road_queue + s.held for s in r.profile] for r in results]
    peak = max((max(line) for line in series if line), default=0.0) or 1.0
    last = max(len(line) for line in series) - 1 or 1
    lines = [
        " ".join(
            f"{CHART_WIDTH * i / last:.1f},{CHART_HEIGHT * (1 - value / peak):.1f}"
            for i, value in enumerate(line)
        )
        for line in series
    ]
    return {"lines": lines, "peak": round(peak), "width": CHART_WIDTH, "height": CHART_HEIGHT}
