"""Benchmark: issue #5's M/M/8 queue and the huu-nghi-1119-2500 gate, in smartgate and in SimPy.

    python -m bench.simulation [--customers 200000] [--replications 5] [--seed 0]

The model: Poisson arrivals at lambda = 7.2 an hour, 8 servers, exponential service at
mu = 1 an hour, FIFO; each replication serves `--customers` customers and leaves the first
tenth out of the waits (the queue starts empty). Both simulators draw their variates from
the same block samplers and the same seeds, so the difference in speed is the kernel's.

It prints customers per (CPU) second of each and their ratio, the mean wait of each with its
95 % confidence interval against Erlang C (0.8769 h), and smartgate's cost per customer at
10,000, 100,000 and 1,000,000 customers; then PASS/FAIL against the targets, and exits 0:
it is a benchmark, not a test.

Then the gate model itself (#12): the shipped `huu-nghi-1119-2500` scenario (a week, about
16,600 trucks) in smartgate's gate model, which drives the gate's own waiting area, and the
same trucks through the same gate written in SimPy (bench/simpy_gate.py), trucks per CPU
second of each and their ratio; target: smartgate at least 3x SimPy.
"""

import argparse
import time
from collections.abc import Callable, Sequence

import numpy as np
import simpy
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.simpy_gate import simpy_gate
from smartgate.simulation import scenario as scenarios
from smartgate.simulation.analytic import mmc_mean_wait
from smartgate.simulation.distributions import Exponential
from smartgate.simulation.experiment import Estimate, confidence_interval
from smartgate.simulation.gate import simulate
from smartgate.simulation.queues import QueueRun, simulate_queue, summarise

ARRIVAL_RATE, SERVICE_RATE, SERVERS = 7.2, 1.0, 8
SPEED_TARGET = 3.0  # smartgate at least three times SimPy's customers per second
FLATNESS_TARGET = 1.25  # the dearest size at most 25 % dearer per customer than the cheapest
SIZES = (10_000, 100_000, 1_000_000)
CUSTOMERS_PER_ROUND = 1_000_000  # each size is repeated up to this many customers a round
ROUNDS = 2
ERLANG_C = mmc_mean_wait(ARRIVAL_RATE, SERVICE_RATE, SERVERS)
SERVICE = Exponential(1 / SERVICE_RATE)

# One replication of the M/M/8 queue: (customers, generator) -> figures.
Replication = Callable[[int, np.random.Generator], QueueRun]

console = Console()


def smartgate_mm8(customers: int, rng: np.random.Generator) -> QueueRun:
    """The M/M/8 queue on smartgate's kernel, as `smartgate simulate mmc` runs it."""
    return simulate_queue(ARRIVAL_RATE, SERVICE, SERVERS, customers, rng, customers // 10)


def simpy_mm8(customers: int, rng: np.random.Generator) -> QueueRun:
    """The same queue written the way the SimPy documentation writes one."""
    env = simpy.Environment()
    lanes = simpy.Resource(env, capacity=SERVERS)
    interarrival = Exponential(1 / ARRIVAL_RATE).sampler(rng)
    service_time = SERVICE.sampler(rng)
    waits: list[float] = []

    def customer():
        arrived = env.now
        with lanes.request() as granted:
            yield granted
            waits.append(env.now - arrived)
            yield env.timeout(service_time())

    def source():
        for _ in range(customers):
            yield env.timeout(interarrival())
            env.process(customer())

    env.process(source())
    env.run()
    return summarise(waits, customers // 10, env.now)


def timed_runs(
    replication: Replication,
    customers: int,
    replications: int,
    seed: int,
    advance: Callable[[], None],
) -> list[tuple[QueueRun, float]]:
    """`replications` runs of `customers` customers, each with the CPU seconds it took.

    CPU time of this process, not wall-clock time: the simulation is single-threaded, so the
    two agree on a quiet machine, and on a busy one other people's work does not count.
    """
    timed = []
    for child in np.random.SeedSequence(seed).spawn(replications):
        rng = np.random.default_rng(child)
        started = time.process_time()
        run = replication(customers, rng)
        timed.append((run, time.process_time() - started))
        advance()
    return timed


def cost_per_customer(seed: int, advance: Callable[[], None]) -> dict[int, float]:
    """smartgate's median CPU seconds per customer at each size.

    The sizes take turns, round after round, and the median run counts, so that other work
    on the machine weighs on every size alike instead of on whichever ran at the time.
    """
    seconds: dict[int, list[float]] = {size: [] for size in SIZES}
    for round_seed in range(seed, seed + ROUNDS):
        for size in SIZES:
            repeats = CUSTOMERS_PER_ROUND // size
            runs = timed_runs(smartgate_mm8, size, repeats, round_seed, advance)
            seconds[size] += [elapsed / size for _, elapsed in runs]
    return {size: float(np.median(costs)) for size, costs in seconds.items()}


def compare(customers: int, replications: int, seed: int) -> None:
    """Run both simulators and the scaling series, then print the figures and verdicts."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        timed = {}
        for name, replication in (("smartgate", smartgate_mm8), ("SimPy", simpy_mm8)):
            task = progress.add_task(f"{name}: replications", total=replications)
            timed[name] = timed_runs(
                replication, customers, replications, seed, lambda t=task: progress.advance(t)
            )
        runs = ROUNDS * sum(CUSTOMERS_PER_ROUND // size for size in SIZES)
        task = progress.add_task("smartgate: 10k, 100k, 1M customers", total=runs)
        costs = cost_per_customer(seed, lambda: progress.advance(task))
    rates = {name: customers * len(t) / sum(s for _, s in t) for name, t in timed.items()}
    waits = {name: confidence_interval(run.mean_wait for run, _ in t) for name, t in timed.items()}
    _print_speed(waits, rates, customers, replications)
    same = [a.mean_wait for a, _ in timed["smartgate"]] == [b.mean_wait for b, _ in timed["SimPy"]]
    console.print(f"same waits as SimPy, run for run (same seeds, same variates): {same}")
    _print_costs(costs)
    _print_verdicts(waits["smartgate"], rates, costs)


def _print_speed(
    waits: dict[str, Estimate], rates: dict[str, float], customers: int, replications: int
) -> None:
    table = Table(
        "simulator",
        "customers / CPU s",
        "mean wait (h)",
        "95 % CI",
        "Erlang C (h)",
        title=f"M/M/8, lambda 7.2/h, mu 1/h: {replications} x {customers:,} customers",
    )
    for name, wait in waits.items():
        table.add_row(
            name,
            f"{rates[name]:,.0f}",
            f"{wait.mean:.4f}",
            f"[{wait.low:.4f}, {wait.high:.4f}]",
            f"{ERLANG_C:.4f}",
        )
    console.print(table)
    console.print(f"smartgate / SimPy: [bold]{rates['smartgate'] / rates['SimPy']:.2f}x[/bold]")


def _print_costs(costs: dict[int, float]) -> None:
    table = Table(
        "customers", "runs", "median CPU ns / customer", title="smartgate cost per customer"
    )
    for size, cost in costs.items():
        runs = ROUNDS * CUSTOMERS_PER_ROUND // size
        table.add_row(f"{size:,}", str(runs), f"{cost * 1e9:,.0f}")
    console.print(table)


def _print_verdicts(wait: Estimate, rates: dict[str, float], costs: dict[int, float]) -> None:
    ratio = rates["smartgate"] / rates["SimPy"]
    spread = max(costs.values()) / min(costs.values())
    verdicts: Sequence[tuple[str, bool]] = (
        (f"smartgate >= {SPEED_TARGET:g}x SimPy ({ratio:.2f}x)", ratio >= SPEED_TARGET),
        (
            f"Erlang C {ERLANG_C:.4f} inside smartgate's CI [{wait.low:.4f}, {wait.high:.4f}]",
            wait.low <= ERLANG_C <= wait.high,
        ),
        (
            f"cost per customer flat: largest / smallest = {spread:.2f} <= {FLATNESS_TARGET}",
            spread <= FLATNESS_TARGET,
        ),
    )
    for text, ok in verdicts:
        console.print(f"{'[green]PASS' if ok else '[red]FAIL'}[/] {text}")


def compare_gates(replications: int, seed: int) -> None:
    """The shipped gate scenario in smartgate's model and in SimPy: trucks per CPU second."""
    gate = scenarios.load("huu-nghi-1119-2500")
    seconds = {"smartgate": 0.0, "SimPy": 0.0}
    trucks = departed_smartgate = departed_simpy = 0
    for child in np.random.SeedSequence(seed).spawn(replications):
        started = time.process_time()
        run = simulate(gate, np.random.default_rng(child))
        seconds["smartgate"] += time.process_time() - started
        started = time.process_time()
        departed_simpy += simpy_gate(gate, run.trucks, np.random.default_rng(child))
        seconds["SimPy"] += time.process_time() - started
        trucks += len(run.trucks)
        departed_smartgate += run.summary.departed
    rates = {name: trucks / spent for name, spent in seconds.items()}
    table = Table(
        "simulator", "trucks / CPU s", "departed", title=f"{gate.name}: {replications} x 7 days"
    )
    table.add_row("smartgate", f"{rates['smartgate']:,.0f}", f"{departed_smartgate:,}")
    table.add_row("SimPy", f"{rates['SimPy']:,.0f}", f"{departed_simpy:,}")
    console.print(table)
    ratio = rates["smartgate"] / rates["SimPy"]
    ok = ratio >= SPEED_TARGET
    verdict = f"gate model: smartgate >= {SPEED_TARGET:g}x SimPy ({ratio:.2f}x)"
    console.print(f"{'[green]PASS' if ok else '[red]FAIL'}[/] {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000, help="per replication")
    parser.add_argument("--replications", type=int, default=5, help="of each simulator")
    parser.add_argument("--seed", type=int, default=0, help="root seed, shared by both")
    parser.add_argument("--parts", default="queue,gate", help="queue (M/M/8), gate, or both")
    args = parser.parse_args()
    if "queue" in args.parts:
        compare(args.customers, args.replications, args.seed)
    if "gate" in args.parts:
        compare_gates(args.replications, args.seed)


if __name__ == "__main__":
    main()
