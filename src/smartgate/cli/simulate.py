"""`smartgate simulate`: capacity-planning runs, sweeps, calibration and quick queueing checks.

`smartgate simulate SCENARIO.toml ...` is short for `smartgate simulate run SCENARIO.toml ...`.
scipy and plotly take about a second to import, so the modules that need them are imported
inside the commands that use them: every other `smartgate` command starts without them.
"""

import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column, Table
from typer.core import TyperGroup

from smartgate.cli import consoles
from smartgate.shared.errors import DomainError
from smartgate.simulation import analytic, events, scenario
from smartgate.simulation.delivery import DEFAULTS as MODES
from smartgate.simulation.distributions import Deterministic, Distribution, Exponential
from smartgate.simulation.events import GateEvent
from smartgate.simulation.queues import QueueRun, simulate_queue
from smartgate.simulation.records import METRICS

if TYPE_CHECKING:
    from smartgate.simulation.experiment import ScenarioResult


class _ScenarioOrCommand(TyperGroup):
    """A group whose first argument may be a scenario instead of a command name."""

    def resolve_command(
        self, ctx: typer.Context, args: list[str]
    ) -> tuple[str | None, Any, list[str]]:
        """Route `simulate SCENARIO ...` to `simulate run SCENARIO ...`."""
        if args and args[0] not in self.commands and _names_scenario(args[0]):
            args = ["run", *args]
        return super().resolve_command(ctx, args)


def _names_scenario(arg: str) -> bool:
    # Anything else stays a command name, so a typo like `mcc` gets click's "No such command".
    return arg.endswith(".toml") or arg in scenario.shipped() or Path(arg).is_file()


app = typer.Typer(
    cls=_ScenarioOrCommand,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Capacity-planning simulator. `simulate SCENARIO.toml` runs a scenario (see `run`); "
    "the other commands calibrate the model and check M/M/c and M/D/c queues.",
)
# No markup: names like "huu-nghi [lanes=3]" and file paths are printed as they are.
console = consoles.console(markup=False)
errors = consoles.console(stderr=True, markup=False)

Source = Annotated[str, typer.Argument(metavar="SCENARIO", help="TOML file or shipped name.")]
Replications = Annotated[int, typer.Option(min=1, help="Independent replications per scenario.")]
Workers = Annotated[int, typer.Option(min=1, help="Worker processes (1 runs in this process).")]
Seed = Annotated[int, typer.Option(help="Root seed; replication i of every scenario shares it.")]
Days = Annotated[float | None, typer.Option(help="Override the scenario's simulated days.")]
CsvOut = Annotated[Path | None, typer.Option("--csv", help="Write the results as CSV here.")]
HtmlOut = Annotated[Path | None, typer.Option("--html", help="Write a Plotly HTML report here.")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Cluster = Annotated[
    str | None,
    typer.Option(
        help="Run the replications on a Dask cluster: its scheduler address "
        "(tcp://host:8786), or 'local' for a LocalCluster of --workers processes. "
        "Needs pip install 'smartgate[cluster]'.",
    ),
]
TraceOut = Annotated[
    Path | None,
    typer.Option(
        "--trace",
        help="Write one CSV row per truck of each replication: replication, truck, channel, "
        "class, arrived, called, served_start, served_end, departed (hours from the start).",
    ),
]


@app.command()
def scenarios() -> None:
    """List the scenarios shipped with smartgate."""
    table = Table("name", "description")
    for name in scenario.shipped():
        table.add_row(name, scenario.load(name).description)
    console.print(table)


@app.command()
def run(
    source: Source,
    lanes: Annotated[str, typer.Option(help="Sweep inspection lanes: 2,3,4")] = "",
    modes: Annotated[str, typer.Option(help=f"Sweep delivery modes: {', '.join(MODES)}")] = "",
    rates: Annotated[str, typer.Option(help="Sweep trucks a day: 800,2500")] = "",
    replications: Replications = 30,
    workers: Workers = os.cpu_count() or 1,
    cluster: Cluster = None,
    seed: Seed = 0,
    days: Days = None,
    csv: CsvOut = None,
    html: HtmlOut = None,
    trace: TraceOut = None,
) -> None:
    """Run replications of a scenario, or of every combination of the swept lanes x delivery
    modes x arrival rates, and report means with 95 % confidence intervals."""
    from smartgate.simulation import experiment

    base = _load(source, days)
    try:
        variants = experiment.sweep(
            base,
            lanes=_items(lanes, int, "lanes", minimum=1),
            modes=_items(modes, str, "modes"),
            rates=_items(rates, float, "rates", minimum=0),
        )
    except ValueError as error:  # a delivery mode we do not know
        raise DomainError(f"--modes: {error}") from None
    if trace and variants != [base]:
        raise DomainError("--trace: one scenario at a time, not with a sweep")
    title = base.name if variants == [base] else f"Sweep of {base.name}"
    _experiment(
        variants, replications, workers, seed, csv, html, title=title, trace=trace, cluster=cluster
    )


@app.command()
def advise(
    source: Source,
    target_p95_wait: Annotated[
        float, typer.Option(min=0.1, help="Minutes the 95th-percentile wait must stay under.")
    ],
    vary: Annotated[str, typer.Option(help="lanes=1..8, units=1..6 or capacity=10..60.")],
    replications: Replications = 10,
    workers: Workers = os.cpu_count() or 1,
    cluster: Cluster = None,
    seed: Seed = 0,
    days: Days = None,
    html: HtmlOut = None,
    json_output: JsonOut = False,
) -> None:
    """The smallest number of lanes, delivery units (crews, shuttles) or trucks an hour that
    keeps the p95 wait under the target, with the figures there and at one less."""
    from smartgate.simulation import advisor, report

    base = _load(source, days)
    try:
        variable, values = advisor.parse_range(vary)
    except ValueError as error:
        raise DomainError(f"--vary: {error}") from None
    runs = (len(values) + 1) * replications
    with _executor(workers, cluster) as executor, _progress(runs) as advance:
        advice = advisor.advise(
            base, variable, values, target_p95_wait, replications,
            seed=seed, executor=executor, progress=advance,
        )  # fmt: skip
    sentences = _in_every_language(advisor.conclusion(advice))
    if json_output:
        print(json.dumps(_nan_to_none(_advice_json(advice, sentences)), indent=2))
    else:
        _print_advice(advice, sentences["en"])
    if html:
        _save(html, report.advice_report(advice, sentences).encode())


def _in_every_language(wording) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from smartgate.web.i18n import LANGUAGES, translator

    return {lang: wording.worded(translator(lang)) for lang in LANGUAGES}


def _advice_json(advice, sentences: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from smartgate.simulation.advisor import p95_minutes

    def figures(value: int | None) -> dict[str, Any] | None:
        result = advice.result_at(value)
        if result is None:
            return None
        return {
            "value": value,
            "p95_wait_min": p95_minutes(result),
            "p95_wait_min_ci95": [x * 60 for x in result.estimates["p95_wait"][1:]],
            "mean_wait_min": result.estimates["mean_wait"].mean * 60,
            "throughput_per_day": result.estimates["throughput_per_day"].mean,
            "road_queue_end": result.estimates["road_queue_end"].mean,
        }

    chosen = advice.chosen
    return {
        "scenario": advice.scenario.name,
        "variable": advice.variable,
        "target_p95_wait_min": advice.target_minutes,
        "chosen": chosen,
        "at_chosen": figures(chosen),
        "one_less": figures(None if chosen is None else chosen - 1),
        "tried": [figures(value) for value, _ in advice.tried],
        "queue_growth_per_day": advice.growth_per_day,
        "conclusion": sentences,
    }


def _print_advice(advice, sentence: str) -> None:  # type: ignore[no-untyped-def]
    from smartgate.simulation.advisor import p95_minutes
    from smartgate.simulation.report import format_estimate

    table = Table(
        advice.variable, "p95 wait (min)", "mean wait (min)", "throughput / day", "",
        title=f"{advice.scenario.name}: p95 wait against {advice.target_minutes:g} min",
    )  # fmt: skip
    for value, result in advice.tried:
        mark = "chosen" if value == advice.chosen else ""
        minutes = result.estimates["mean_wait"].mean * 60
        table.add_row(
            str(value), f"{p95_minutes(result):,.1f}", f"{minutes:,.1f}",
            format_estimate(result.estimates["throughput_per_day"]), mark,
        )  # fmt: skip
    console.print(table)
    console.print(sentence)


@app.command("from-gate")
def from_gate(
    gate: Annotated[str, typer.Argument(help="Gate id, e.g. huu-nghi.")],
    direction: Annotated[str, typer.Option(help="export or import.")] = "export",
    hours: Annotated[int, typer.Option(min=1, max=24 * 14, help="Hours to plan ahead.")] = 48,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the scenario here to edit, not run it.")
    ] = None,
    replications: Replications = 10,
    workers: Workers = os.cpu_count() or 1,
    cluster: Cluster = None,
    seed: Seed = 0,
    html: HtmlOut = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Plan as this operator or authority (default: the instance)."),
    ] = None,
) -> None:
    """Build a scenario from the gate's database as it is now (rules, both sides' capacity,
    suspensions, bookings, the trucks waiting) and run it, or write it with --out to edit."""
    from smartgate.simulation import twin

    text = twin.scenario_text(_snapshot(gate, direction, hours, as_user), hours)
    if out is not None:
        _save(out, text.encode())
        return
    live = scenario.parse(text, origin=f"{gate} now")
    _experiment([live], replications, workers, seed, None, html, title=live.name, cluster=cluster)


def _snapshot(gate: str, direction: str, hours: int, as_user: str | None):  # type: ignore[no-untyped-def]
    # Imported here: only this command needs the database layer.
    from datetime import timedelta

    from smartgate.cli.common import acting_as, settings, uow
    from smartgate.queue.snapshot import gate_snapshot
    from smartgate.registry.model import DIRECTIONS
    from smartgate.shared.actor import Actor
    from smartgate.shared.clock import utcnow

    if direction not in DIRECTIONS:
        raise DomainError(f"--direction: must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    # Whoever runs the CLI holds the database: without --as it plans as the instance itself.
    actor = acting_as(as_user) if as_user else Actor(0, "instance", "authority")
    now = utcnow()
    return gate_snapshot(
        uow=uow(),
        actor=actor,
        gate_id=gate,
        direction=direction,
        side=settings().side,
        until=now + timedelta(hours=hours + 1),
        now=now,
    )


@app.command()
def calibrate(
    events_csv: Annotated[
        Path | None,
        typer.Argument(metavar="[EVENTS.csv]", help="Columns truck_id, event, timestamp."),
    ] = None,
    sql: Annotated[
        str | None,
        typer.Option(
            help="Read the events with this query from SMARTGATE_DATABASE_URL instead; "
            "it must return the columns truck_id, event, timestamp."
        ),
    ] = None,
    replications: Replications = 10,
    workers: Workers = 1,
    seed: Seed = 0,
    html: HtmlOut = None,
) -> None:
    """Fit the model to recorded gate events and show its predictions beside the observations."""
    from smartgate.simulation import calibration, report

    try:
        fitted = calibration.calibrate(_recorded_events(events_csv, sql))
    except ValueError as error:
        raise DomainError(str(error)) from None
    name = "calibrated" if events_csv is None else events_csv.stem
    model = calibration.calibrated_scenario(fitted, name=name)
    [result] = _run_with_progress([model], replications, workers, seed)
    rows = calibration.compare(fitted, result)
    best = fitted.best
    console.print(
        f"{fitted.days} days from {fitted.start}, {fitted.lanes} lanes busy at most, "
        f"service starts {fitted.opens:02.0f}:00–{fitted.closes:02.0f}:00; "
        f"service time: {best.name}, mean {best.distribution.mean * 60:.2f} min (KS {best.ks:.3f})"
    )
    table = Table("metric", "observed", "predicted (95 % CI)", title="Observed against predicted")
    for row in rows:
        table.add_row(row.metric, f"{row.observed:.3f}", report.format_estimate(row.predicted))
    console.print(table)
    if html:
        _save(html, report.calibration_report(fitted, rows).encode())


def _recorded_events(events_csv: Path | None, sql: str | None) -> list[GateEvent]:
    """The events from the CSV file or from the database query, whichever was given."""
    if (events_csv is None) == (sql is None):
        raise DomainError("give either EVENTS.csv or --sql QUERY, not both or neither")
    if events_csv is not None:
        try:
            return events.check_one_kind_of_clock(events.read_csv(events_csv), str(events_csv))
        except OSError as error:
            raise DomainError(f"{events_csv}: {error.strerror}") from None
    return _query_events(sql)


def _query_events(sql: str) -> list[GateEvent]:
    # Imported here: only this path needs the database layer and its settings.
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from smartgate.cli.common import settings
    from smartgate.db import make_engine

    engine = make_engine(settings().database_url)
    try:
        with engine.connect() as connection:
            result = connection.execute(text(sql)).mappings()
            return list(events.from_rows(result, result.keys(), "query"))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise DomainError(f"--sql: {reason}") from None
    finally:
        engine.dispose()


def _queue_command(model: str, service: Callable[[float], Distribution]) -> Callable[..., None]:
    """The `mmc` or `mdc` command: one FIFO multi-server queue checked against theory."""

    def command(
        arrival_rate: Annotated[float, typer.Option(help="Arrivals per time unit (lambda).")],
        service_rate: Annotated[float, typer.Option(help="Services per time unit per server.")],
        servers: Annotated[int, typer.Option(help="Servers (c).")] = 1,
        customers: Annotated[
            int, typer.Option(min=10, help="Customers per replication (a tenth is warm-up).")
        ] = 200_000,
        replications: Replications = 10,
        seed: Seed = 0,
        json_output: JsonOut = False,
    ) -> None:
        try:
            rho = analytic.check_stable(arrival_rate, service_rate, servers)
        except ValueError as error:
            raise DomainError(str(error)) from None
        warmup = customers // 10  # the queue starts empty; drop the transient
        started = time.perf_counter()
        runs = _queue_runs(
            lambda rng: simulate_queue(
                arrival_rate, service(1 / service_rate), servers, customers, rng, warmup
            ),
            replications,
            seed,
        )
        elapsed = time.perf_counter() - started
        result = {
            "model": model,
            "arrival_rate": arrival_rate,
            "service_rate": service_rate,
            "servers": servers,
            "rho": rho,
            "customers": customers,
            "warmup": warmup,
            "replications": replications,
            "time_unit": "that of the rates",
            **_measured(runs),
            **_analytic(model, arrival_rate, service_rate, servers),
            "customers_per_second": customers * replications / elapsed,
        }
        _print_result(result, json_output, title=f"{model} queue, times in the unit of the rates")

    return command


app.command("mmc", help="M/M/c queue checked against Erlang C.")(
    _queue_command("M/M/c", Exponential)
)
app.command(
    "mdc",
    help="M/D/c queue checked against Pollaczek–Khinchine (c = 1) or Cosmetatos' approximation.",
)(_queue_command("M/D/c", Deterministic))


def _queue_runs(
    replicate: Callable[[np.random.Generator], QueueRun], replications: int, seed: int
) -> list[QueueRun]:
    runs = []
    with _progress(replications) as advance:
        for child in np.random.SeedSequence(seed).spawn(replications):
            runs.append(replicate(np.random.default_rng(child)))
            advance()
    return runs


def _measured(runs: Sequence[QueueRun]) -> dict[str, Any]:
    from smartgate.simulation.experiment import confidence_interval

    mean = confidence_interval(r.mean_wait for r in runs)
    return {
        "mean_wait": mean.mean,
        "ci95": [mean.low, mean.high],
        "p95_wait": float(np.mean([r.p95_wait for r in runs])),
    }


def _analytic(model: str, arrival_rate: float, service_rate: float, servers: int) -> dict:
    if model == "M/M/c":
        return {
            "analytic_mean_wait": analytic.mmc_mean_wait(arrival_rate, service_rate, servers),
            "analytic_p95_wait": analytic.mmc_wait_quantile(
                arrival_rate, service_rate, servers, 0.95
            ),
            "analytic_method": "Erlang C",
        }
    if servers == 1:
        return {
            "analytic_mean_wait": analytic.md1_mean_wait(arrival_rate, service_rate),
            "analytic_method": "Pollaczek-Khinchine",
        }
    return {
        "analytic_mean_wait": None,
        "analytic_method": "none: M/D/c has no closed form for c > 1",
        "approx_mean_wait": analytic.mdc_mean_wait_cosmetatos(arrival_rate, service_rate, servers),
        "approx_method": "Cosmetatos approximation (not exact)",
    }


def _print_result(result: dict[str, Any], json_output: bool, title: str) -> None:
    if json_output:
        # Plain print: Rich would wrap long lines and break the JSON.
        print(json.dumps(_nan_to_none(result), indent=2, allow_nan=False))
        return
    table = Table("quantity", "value", title=title)
    for key, value in result.items():
        table.add_row(key, _show(value))
    console.print(table)


def _load(source: str, days: float | None) -> scenario.Scenario:
    loaded = scenario.load(source)
    if days is None:
        return loaded
    if not days > loaded.warmup_days:
        raise DomainError(f"--days must exceed the scenario's warm-up of {loaded.warmup_days:g}")
    return dataclasses.replace(loaded, days=days)


def _items(text: str, kind: type, option: str, minimum: float | None = None) -> list[Any]:
    """The comma-separated values of a sweep option."""
    try:
        values = [kind(item.strip()) for item in text.split(",") if item.strip()]
    except ValueError:
        raise DomainError(f"--{option}: expected a comma-separated list, got {text!r}") from None
    if minimum is not None and any(v < minimum for v in values):
        raise DomainError(f"--{option}: values must be at least {minimum:g}, got {text!r}")
    return values


def _experiment(
    scenarios: Sequence[scenario.Scenario],
    replications: int,
    workers: int,
    seed: int,
    csv: Path | None,
    html: Path | None,
    title: str,
    trace: Path | None = None,
    cluster: str | None = None,
) -> None:
    from smartgate.simulation import experiment, report

    results = _run_with_progress(
        scenarios, replications, workers, seed, trace=trace is not None, cluster=cluster
    )
    table = Table(
        Column("scenario", overflow="fold"),  # a sweep's variants differ at the end of the name
        *METRICS.values(),
        title=f"{title}: means ± 95 % CI half-widths, {replications} replications",
    )
    for result in results:
        table.add_row(
            result.scenario, *(report.format_estimate(result.estimates[m]) for m in METRICS)
        )
    console.print(table)
    if csv:
        _save(csv, experiment.csv_text(results).encode())
    if html:
        _save(html, report.experiment_report(results, title).encode())
    if trace:
        _save(trace, experiment.trace_csv(results[0]).encode())


def _run_with_progress(
    scenarios: Sequence[scenario.Scenario],
    replications: int,
    workers: int,
    seed: int,
    trace: bool = False,
    cluster: str | None = None,
) -> list["ScenarioResult"]:
    from smartgate.simulation import experiment

    runs = len(scenarios) * replications
    with _executor(workers, cluster) as executor, _progress(runs) as advance:
        return experiment.run_experiment(
            scenarios, replications, seed=seed, executor=executor, progress=advance, trace=trace
        )


@contextmanager
def _executor(workers: int, cluster: str | None = None) -> Iterator[Executor]:
    """Where replications run: in this process, a pool of `workers` processes, or a Dask
    cluster through its concurrent.futures executor (`local`: a LocalCluster here)."""
    from smartgate.simulation import experiment

    if cluster is None:
        pool = experiment.InlineExecutor() if workers == 1 else ProcessPoolExecutor(workers)
        with pool:
            yield pool
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise DomainError("--cluster needs Dask: pip install 'smartgate[cluster]'") from None
    with ExitStack() as stack:
        if cluster == "local":
            target = stack.enter_context(
                LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
            )
        else:
            target = cluster
        try:
            client = stack.enter_context(Client(target, timeout=10))
        except OSError as error:
            raise DomainError(f"--cluster: cannot reach {cluster}: {error}") from None
        yield client.get_executor()


@contextmanager
def _progress(total: int) -> Iterator[Callable[[], None]]:
    """A Rich progress bar of replications on stderr (stdout stays clean for --json)."""
    columns = (
        # A column of its own: a plain string is markup, which this console does not read.
        TextColumn("{task.description}", style="progress.description", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("replications", total=total)
        yield lambda: progress.advance(task)


def _save(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as error:
        raise DomainError(f"{path}: {error.strerror}") from None
    errors.print(f"written to {path}")  # stderr: stdout may be carrying --json


def _nan_to_none(value: Any) -> Any:
    """JSON has no NaN: an interval from one replication is reported as null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    return value


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return "null" if value is None else str(value)
