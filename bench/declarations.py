"""Benchmark: how many declarations per second smartgate stores, in-process and over HTTP.

    python -m bench.declarations [--count 10000] [--clients 8] [--workers 1] [--server-url URL]

The URL names a PostgreSQL server (default postgresql+psycopg://postgres@127.0.0.1:5432).
The bench works only in its own database `smartgate_bench`: it creates it when missing,
empties its schema at the start and leaves the data behind for inspection. It never
touches the tests' database.

Phase 1 times `declarations.services.declare` as forwarder1 from one caller; then, for
reference, a quarter as many from as many threads as there are HTTP clients, each with its own
unit of work, as a server's request threads call it. Phase 2 starts `smartgate serve --demo`
(`--workers` processes) in a subprocess and POSTs the same number of declarations from the
concurrent clients. Each phase warms up first, untimed. It prints both rates, their
ratio and PASS/FAIL against the targets, and exits 0: it is a benchmark, not a test.
"""

import argparse
import json
import os
import random
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import make_url

from bench.harness import (
    Outcome,
    Post,
    add_server_arguments,
    bearer,
    conninfo,
    demo_server,
    fresh_demo_database,
    in_threads,
    post_concurrently,
    verdict,
)
from smartgate import bootstrap
from smartgate.config import Settings
from smartgate.declarations import services as declarations
from smartgate.declarations.containers import check_digit
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.identity import services as identity
from smartgate.shared.clock import VN_TZ, utcnow

BENCH_DATABASE = "smartgate_bench"
FORWARDER = "forwarder1"
SERVICE_TARGET = 500.0  # declarations per second through the use-case
HTTP_SHARE_TARGET = 0.5  # HTTP should keep at least half the service rate
WARM_UP = 200  # declarations per phase before the clock starts

# Goods Huu Nghi lets out of Viet Nam (it permits every chapter): durian, other fruit,
# cassava, TSNR rubber, mangoes; three lines stay far below the 60 t truck limit.
GOODS = (
    ("081060", "Sầu riêng tươi / Fresh durian", True),
    ("081090", "Thanh long tươi / Fresh dragon fruit", True),
    ("071410", "Sắn lát khô / Dried cassava chips", False),
    ("400122", "Cao su TSNR / Technically specified natural rubber", False),
    ("080450", "Xoài tươi / Fresh mangoes", True),
)
DRIVERS = ("Nguyễn Văn An", "Trần Văn Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em")
OWNER_CODES = ("CSQ", "MSK", "TGH", "OOL", "EGH", "TRH")
SERIES = ("C", "D", "H", "K", "LD")  # valid VN tractor series (R is for trailers)
CONTAINERS_PER_TRUCK = 2

console = Console()


# --- data ---------------------------------------------------------------------------------


def container_number(owner: str, serial: int) -> str:
    """A valid ISO 6346 freight-container number."""
    first_ten = f"{owner}U{serial:06d}"
    return f"{first_ten}{check_digit(first_ten)}"


def containers_for(index: int, rng: random.Random) -> list[str]:
    """One or two containers no other declaration of the run carries."""
    # Serials come from the index so numbers never repeat; the owner code only varies them.
    first = index * CONTAINERS_PER_TRUCK
    serials = range(first, first + rng.randint(1, CONTAINERS_PER_TRUCK))
    return [container_number(rng.choice(OWNER_CODES), serial) for serial in serials]


def declaration_payload(index: int, rng: random.Random, now: datetime) -> dict[str, Any]:
    """One valid huu-nghi export declaration as JSON-ready data; varied by index and rng."""
    number = f"{index % 100_000:05d}"  # unique plate numbers within a run
    arrival = now + timedelta(minutes=rng.randrange(60, 7 * 24 * 60))
    return {
        "gate_id": "huu-nghi",
        "direction": "export",
        "tractor_plate": f"{rng.randint(11, 99)}{rng.choice(SERIES)}-{number[:3]}.{number[3:]}",
        "trailer_plate": f"12R-{rng.randrange(1000):03d}.{rng.randrange(100):02d}",
        "driver_name": rng.choice(DRIVERS),
        "driver_phone": f"+84 9{rng.randrange(10**8):08d}",
        "containers": containers_for(index, rng),
        "expected_arrival": arrival.astimezone(VN_TZ).isoformat(),
        "goods": [goods_line(line, rng) for line in rng.sample(GOODS, rng.randint(1, 3))],
    }


def goods_line(line: tuple[str, str, bool], rng: random.Random) -> dict[str, Any]:
    """One goods line of a declaration, weight and value drawn from `rng`."""
    hs_code, description, perishable = line
    return {
        "hs_code": hs_code,
        "description": description,
        "gross_kg": float(rng.randint(2_000, 15_000)),
        "value": float(rng.randint(1_000, 60_000)),
        "currency": rng.choice(("USD", "CNY")),
        "perishable": perishable,
        "cold_chain": perishable and rng.random() < 0.5,
    }


class Numbering:
    """Hands out declaration indexes so every payload of the run differs from the others."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.next_index = 0
        self.now = utcnow()

    def payloads(self, count: int) -> list[dict[str, Any]]:
        """The next `count` declarations as JSON-ready data."""
        start, self.next_index = self.next_index, self.next_index + count
        return [declaration_payload(i, self.rng, self.now) for i in range(start, self.next_index)]


# --- database -----------------------------------------------------------------------------


def stored_declarations(bench_url: str) -> int:
    """How many declarations the bench database holds, to check nothing was lost."""
    with psycopg.connect(conninfo(make_url(bench_url))) as conn:
        row = conn.execute("SELECT count(*) FROM declarations").fetchone()
    return int(row[0]) if row else 0


# --- phase 1: the use-case ----------------------------------------------------------------


def progress_bar() -> Progress:
    """A Rich progress bar with description, count and elapsed time."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def bench_service(settings: Settings, numbering: Numbering, count: int, callers: int) -> float:
    """Declarations per second through `services.declare`, as forwarder1, from `callers`
    threads at once (each with its own unit of work), as a server's request threads call it."""
    actor = identity.actor_for_username(
        uow=bootstrap.unit_of_work(settings), username=FORWARDER, demo_mode=True
    )
    # Parsing JSON into DeclarationCreate is the API's job, not the use-case's: do it untimed.
    warm_up = [DeclarationCreate.model_validate(p) for p in numbering.payloads(WARM_UP)]
    timed = [DeclarationCreate.model_validate(p) for p in numbering.payloads(count)]

    def declare_share(
        share: list[DeclarationCreate], advance: Callable[[], None] = lambda: None
    ) -> None:
        uow = bootstrap.unit_of_work(settings)
        for data in share:
            declarations.declare(uow=uow, actor=actor, data=data)
            advance()

    declare_share(warm_up)
    with progress_bar() as progress:
        task = progress.add_task(f"service, {callers} callers", total=count)
        timed_share = partial(declare_share, advance=lambda: progress.advance(task))
        elapsed = in_threads(timed_share, timed, callers)
    return count / elapsed


# --- phase 2: HTTP ------------------------------------------------------------------------


def encoded(payloads: list[dict[str, Any]]) -> list[bytes]:
    """Request bodies, encoded up front so the clients do as little as possible while timed."""
    return [json.dumps(p).encode() for p in payloads]


def bench_http(
    settings: Settings, numbering: Numbering, count: int, clients: int, workers: int, log: Path
) -> float:
    """Declarations created per second by POSTs to `smartgate serve` from `clients` threads."""
    # The clients share two CPUs (or however many) with the server, so keep them lean.
    warm_up, timed = encoded(numbering.payloads(WARM_UP)), encoded(numbering.payloads(count))
    with demo_server(settings.database_url, log, workers) as (base, _):
        headers = bearer(base, FORWARDER)
        posts = [Post("/api/v1/declarations", headers, body) for body in warm_up + timed]
        warmed, _ = post_concurrently(base, posts[:WARM_UP], clients, CREATED)
        report_statuses(warmed, "warm-up")
        with progress_bar() as progress:
            task = progress.add_task(f"HTTP, {clients} clients", total=count)
            outcome, elapsed = post_concurrently(
                base, posts[WARM_UP:], clients, CREATED, lambda: progress.advance(task)
            )
    report_statuses(outcome, "timed")
    return outcome.statuses[201] / elapsed  # only what was stored counts


CREATED = frozenset({201})


def report_statuses(outcome: Outcome, phase: str) -> None:
    """Say whether every answer was 201 Created, and show a few that were not."""
    total = sum(outcome.statuses.values())
    created = outcome.statuses[201]
    if created == total:
        console.print(f"  HTTP {phase}: all {total:,} answers were 201 Created")
        return
    console.print(
        f"  [red]HTTP {phase}: only {created:,} of {total:,} answers were 201[/]: "
        f"{dict(outcome.statuses)}"
    )
    for sample in outcome.samples:
        console.print(f"    {sample}")


# --- summary ------------------------------------------------------------------------------


def summary(
    args: argparse.Namespace, service: tuple[float, float], http: float, loads: list[float]
) -> None:
    """The rates, the HTTP/service ratio and PASS/FAIL against the targets."""
    alone, together = service
    ratio = http / alone
    clients, server = args.clients, "1 process" if args.workers == 1 else f"{args.workers} workers"
    table = Table(
        title=f"smartgate declarations: {args.count:,} timed per path after {WARM_UP} warm-up",
        caption=(
            "service: declarations.services.declare, one unit of work each, from one caller "
            f"(and, for reference, a quarter as many from {clients} threads at once); HTTP: "
            f"POST /api/v1/declarations to `smartgate serve --demo` ({server}) from {clients} "
            f"clients; {os.cpu_count()} CPUs, load average "
            f"{' → '.join(f'{x:.1f}' for x in loads)}"
        ),
    )
    for column in ("path", "declarations/s", "HTTP / service", "target", "result"):
        table.add_column(column, justify="left" if column == "path" else "right")
    table.add_row(
        "service, one caller", f"{alone:,.0f}", "", f"≥ {SERVICE_TARGET:,.0f}/s",
        verdict(alone >= SERVICE_TARGET),
    )  # fmt: skip
    table.add_row(f"service, {clients} callers", f"{together:,.0f}", "", "", "")
    table.add_row(
        f"HTTP, {clients} clients, {server}", f"{http:,.0f}", f"{ratio:.2f}",
        f"≥ {HTTP_SHARE_TARGET:.2f}", verdict(ratio >= HTTP_SHARE_TARGET),
    )  # fmt: skip
    console.print(table)


def load_average() -> float:
    """The 1-minute load average: other work on the machine skews every figure here."""
    return os.getloadavg()[0]


# --- entry point --------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    """The command line: how many declarations, how many clients, which server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="timed declarations per path")
    add_server_arguments(parser, clients=8, database=BENCH_DATABASE)
    return parser.parse_args()


def main() -> None:
    """Prepare the bench database, time both paths, check the rows and print the figures."""
    args = arguments()
    console.print(
        f"[bold]smartgate declaration bench[/]: {args.count:,} per path, "
        f"{args.clients} HTTP clients, {os.cpu_count()} CPUs shared by server and clients"
    )
    settings = fresh_demo_database(args.server_url, BENCH_DATABASE)
    bench_url = settings.database_url
    console.print(f"prepared {make_url(bench_url).render_as_string()} (demo, VN side)")
    before = stored_declarations(bench_url)  # what the demo data holds already
    numbering = Numbering(seed=1)
    loads = [load_average()]
    alone = bench_service(settings, numbering, args.count, 1)
    console.print(f"  service, one caller: {alone:,.0f} declarations/s")
    together = bench_service(settings, numbering, args.count // 4, args.clients)
    loads.append(load_average())
    console.print(f"  service, {args.clients} callers: {together:,.0f} declarations/s")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "serve.log"
        http = bench_http(settings, numbering, args.count, args.clients, args.workers, log)
    loads.append(load_average())
    console.print(f"  HTTP: {http:,.0f} declarations/s")
    stored = stored_declarations(bench_url) - before
    console.print(f"  stored {stored:,} declarations (expected {numbering.next_index:,})")
    summary(args, (alone, together), http, loads)


if __name__ == "__main__":
    main()
