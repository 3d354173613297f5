"""Replications, parameter sweeps and confidence intervals, run through any Executor.

Replication i of every scenario gets the same seed (common random numbers), so differences
between variants of a sweep are due to the variant more than to noise.
"""

import csv
import io
import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from itertools import product
from typing import NamedTuple

import numpy as np
from scipy import stats

from smartgate.simulation.gate import simulate
from smartgate.simulation.records import METRICS, Sample, Summary, TruckRecord
from smartgate.simulation.scenario import Scenario


class Estimate(NamedTuple):
    """A mean with its confidence interval."""

    mean: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        """Half the width of the interval."""
        return (self.high - self.low) / 2


class Replication(NamedTuple):
    """What a worker sends back: the summary and the hourly samples; every truck only when a
    call trace was asked for."""

    summary: Summary
    samples: tuple[Sample, ...]
    trucks: tuple[TruckRecord, ...] = ()


class ScenarioResult(NamedTuple):
    """All replications of one scenario, with estimates of the reported metrics."""

    scenario: str
    summaries: tuple[Summary, ...]
    estimates: dict[str, Estimate]
    profile: tuple[Sample, ...]
    traces: tuple[tuple[TruckRecord, ...], ...] = ()  # per replication, when traced


class InlineExecutor(Executor):
    """Runs each task at submission in this process: for tests, debugging and one worker."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        """Run `fn(*args, **kwargs)` now and return its completed future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - delivered through the future, as Executors do
            future.set_exception(error)
        return future


def confidence_interval(values: Iterable[float], level: float = 0.95) -> Estimate:
    """Student-t interval for the mean of independent replications; NaNs are left out."""
    data = np.array([v for v in values if not math.isnan(v)], dtype=float)
    if len(data) == 0:
        return Estimate(math.nan, math.nan, math.nan)
    mean = float(data.mean())
    if len(data) == 1:
        return Estimate(mean, math.nan, math.nan)
    t = float(stats.t.ppf((1 + level) / 2, len(data) - 1))
    half = t * float(data.std(ddof=1)) / math.sqrt(len(data))
    return Estimate(mean, mean - half, mean + half)


def replicate(scenario: Scenario, seed: np.random.SeedSequence, trace: bool = False) -> Replication:
    """Run one replication; a module-level function so process pools can pickle it."""
    run = simulate(scenario, np.random.default_rng(seed))
    return Replication(run.summary, run.samples, run.trucks if trace else ())


def sweep(
    base: Scenario,
    *,
    lanes: Sequence[int] = (),
    modes: Sequence[str] = (),
    rates: Sequence[float] = (),
) -> list[Scenario]:
    """Every combination of inspection lanes x delivery mode x arrivals a day (empty = as is)."""
    return [
        base.variant(lanes=n, mode=m, per_day=r)
        for n, m, r in product(lanes or [None], modes or [None], rates or [None])
    ]


def run_experiment(
    scenarios: Sequence[Scenario],
    replications: int,
    *,
    seed: int = 0,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: Callable[[], None] | None = None,
    trace: bool = False,
) -> list[ScenarioResult]:
    """Run `replications` of each scenario on `executor` (a new process pool if None);
    `trace` keeps every truck of every replication."""
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    seeds = np.random.SeedSequence(seed).spawn(replications)
    own = executor is None
    pool = ProcessPoolExecutor(max_workers=workers) if executor is None else executor
    try:
        futures = {
            pool.submit(replicate, scenario, s, trace): (i, r)
            for i, scenario in enumerate(scenarios)
            for r, s in enumerate(seeds)
        }
        done: dict[tuple[int, int], Replication] = {}
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if progress is not None:
                progress()
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
    return [_result([done[i, r] for r in range(replications)]) for i in range(len(scenarios))]


def _result(replications: list[Replication]) -> ScenarioResult:
    summaries = tuple(rep.summary for rep in replications)
    estimates = {m: confidence_interval(getattr(s, m) for s in summaries) for m in METRICS}
    hours = zip(*(rep.samples for rep in replications), strict=True)
    profile = tuple(
        Sample(*np.mean(np.array(samples, dtype=float), axis=0).tolist()) for samples in hours
    )
    traces = tuple(rep.trucks for rep in replications) if replications[0].trucks else ()
    return ScenarioResult(summaries[0].scenario, summaries, estimates, profile, traces)


TRACE_COLUMNS = (
    "replication",
    "truck",
    "channel",
    "class",
    "arrived",
    "called",
    "served_start",
    "served_end",
    "departed",
)


def trace_csv(result: ScenarioResult) -> str:
    """One row per truck of each replication, in call order (trucks never called last): the
    order the rules produced, in hours from the scenario's start."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TRACE_COLUMNS)
    for replication, trucks in enumerate(result.traces, start=1):
        for t in sorted(trucks, key=lambda t: (t.call_number is None, t.call_number, t.truck_id)):
            times = (t.arrived, t.called, t.inspection_start, t.inspection_end, t.departed)
            writer.writerow(
                [replication, t.truck_id, t.channel, t.lane or ""]
                + ["" if x is None else round(x, 6) for x in times]
            )
    return buffer.getvalue()


def csv_text(results: Sequence[ScenarioResult]) -> str:
    """CSV with one row per scenario: replications, then mean, low and high of each metric."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["scenario", "replications"] + [f"{m}_{part}" for m in METRICS for part in Estimate._fields]
    )
    for result in results:
        writer.writerow(
            [result.scenario, len(result.summaries)]
            + [value for m in METRICS for value in result.estimates[m]]
        )
    return buffer.getvalue()
