"""Bilateral exchange: end-to-end messages per second between two local instances, and the
latency from commit on one side to applied on the other (issue #14).

    python -m bench.exchange [--messages 5000] [--rate 500] [--bulk 50]
                             [--database-url-vn URL --database-url-cn URL]

It starts two real `smartgate serve --demo` instances, VN and CN, each on its own SQLite file
in a temporary folder (or on the PostgreSQL databases given, whose public schema it empties
first), gives each an exchange key and registers each as the other's peer. Then forwarder1
declares export trips at Hữu Nghị on VN through POST /api/v1/declarations/bulk: each trip
writes a pre-arrival manifest into VN's outbox in the transaction that stores it, and VN's
courier delivers it to CN's inbox, which applies it.

After 250 messages sent untimed (the first requests fill each server's caches), phase 1
(paced) offers `--rate` messages a second, a bulk of `--bulk` trips at a time on a
fixed schedule: the issue's p99 < 1 s is asked at 500 messages/s. Phase 2 (burst) declares as
fast as VN commits, from two clients, for the sustained rate from the first commit to the last
message applied on CN. Each phase declares `--messages` trips.

Times come from the databases (one machine, one clock): `created_at` of VN's outbox row is
stamped when the declaring transaction starts (a little before its commit, so latencies read
slightly high); CN stamps `received_at` (= `applied_at`) when its inbox transaction starts;
VN stamps `delivered_at` once CN has committed and answered. The targets are judged on
created -> delivered, an upper bound of commit -> applied. At the end the bench checks that CN
holds every message VN wrote exactly once, applied, with no gap in the stream, and one
announced manifest per trip. It prints the figures and PASS/FAIL, and exits 0.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Connection, create_engine, func, make_url, select

from bench.declarations import declaration_payload
from bench.harness import (
    Client,
    Latencies,
    Post,
    banner,
    bearer,
    conninfo,
    free_port,
    host_and_port,
    stop,
    verdict,
    wait_healthy,
)
from smartgate.exchange.tables import InboxRow, ManifestRow, OutboxRow
from smartgate.shared.clock import utcnow

console = Console()
RATE_TARGET, P99_TARGET = 500.0, 1.0  # messages/s end to end; seconds at that rate
BULK_PATH = "/api/v1/declarations/bulk"
CLIENTS = 2  # threads declaring, so that one slow answer does not hold the pace up
WARM_UP = 250  # messages sent untimed before the phases
DRAIN_SECONDS = 120  # the longest wait for the last messages of a phase to apply on CN


# --- two instances ---------------------------------------------------------------------


@dataclass
class Instance:
    """One running `smartgate serve --demo` and the environment its CLI runs in."""

    side: str
    folder: Path
    env: dict[str, str]
    url: str = ""
    public_key: str = ""
    process: subprocess.Popen[bytes] | None = None

    @property
    def database_url(self) -> str:
        return self.env["SMARTGATE_DATABASE_URL"]

    def cli(self, *args: str) -> str:
        """`smartgate ARGS` as this instance's administrator runs it; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "smartgate.cli", *args], cwd=self.folder, env=self.env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"{self.side}: smartgate {' '.join(args)}:\n{done.stderr}")
        return done.stdout

    def start(self) -> None:
        """Start the server (without waiting for it); it leads its own process group."""
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with (self.folder / "serve.log").open("w") as log:
            # Output goes to a file: an unread pipe would fill up and stall the server.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "smartgate.cli", "serve", "--demo", "--port", str(port)],
                cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip


def empty_postgres(url: str) -> None:
    """Drop everything in the database's public schema: the server migrates it afresh."""
    with psycopg.connect(conninfo(make_url(url)), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@contextmanager
def two_instances(root: Path, urls: dict[str, str | None]) -> Iterator[tuple[Instance, Instance]]:
    """VN and CN serving, each with a key and the other registered as its peer."""
    pair = []
    for side, url in urls.items():
        folder = root / side.lower()
        folder.mkdir()
        if url is None:
            url = f"sqlite:///{folder / 'smartgate.db'}"
        else:
            empty_postgres(url)
        env = os.environ | {
            "SMARTGATE_DATABASE_URL": url, "SMARTGATE_SIDE": side, "SMARTGATE_DEMO": "1",
            "SMARTGATE_KEY_FILE": str(folder / "smartgate.key"),
        }  # fmt: skip
        instance = Instance(side, folder, env)
        # The server loads its key at start: make it first. The public key is the last line.
        instance.public_key = instance.cli("keys", "generate").strip().splitlines()[-1]
        pair.append(instance)
    vn, cn = pair
    with ExitStack() as stack:
        for instance in pair:
            instance.start()
            assert instance.process is not None
            stack.callback(stop, instance.process)
        for instance in pair:  # both migrate and seed at once
            assert instance.process is not None
            wait_healthy(instance.url, instance.process, instance.folder / "serve.log")
        vn.cli("peers", "add", "cn", "--url", cn.url, "--public-key", cn.public_key)
        cn.cli("peers", "add", "vn", "--url", vn.url, "--public-key", vn.public_key)
        yield vn, cn


# --- load ------------------------------------------------------------------------------


class Trips:
    """Bulk bodies of export declarations, every trip of the run with its own plate and
    containers."""

    def __init__(self, seed: int) -> None:
        self.rng, self.next_index, self.now = random.Random(seed), 0, utcnow()

    def bodies(self, messages: int, bulk: int) -> list[bytes]:
        """`messages` trips in bulks of `bulk`, encoded before the clock starts."""
        found = []
        for start in range(0, messages, bulk):
            count = min(bulk, messages - start)
            first, self.next_index = self.next_index, self.next_index + count
            trips = [
                declaration_payload(i, self.rng, self.now) for i in range(first, first + count)
            ]
            found.append(json.dumps({"declarations": trips}).encode())
        return found


def progress_bar() -> Progress:
    """A transient Rich progress bar with description, count and elapsed time."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=True,
    )  # fmt: skip


def declare(
    base: str,
    headers: dict[str, str],
    bodies: list[bytes],
    bulk: int,
    *,
    every: float,
    clients: int,
) -> float:
    """POST the bulks, one each `every` seconds on a fixed schedule (0: as fast as the server
    answers), from `clients` threads; the seconds it took. A refused bulk stops the bench."""
    host, port = host_and_port(base)
    failures: list[str] = []
    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("declaring on VN", total=len(bodies) * bulk)

        def send(indexes: list[int]) -> None:
            client = Client(host, port)
            try:
                for index in indexes:
                    delay = started + index * every - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    reply = client.post(Post(BULK_PATH, headers, bodies[index]))
                    if reply.status != 201:
                        failures.append(f"{reply.status}: {reply.body[:300]!r}")
                        return
                    progress.advance(task, bulk)
            finally:
                client.close()

        threads = [
            threading.Thread(target=send, args=(list(range(i, len(bodies), clients)),))
            for i in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failures:
        raise SystemExit(f"VN refused a bulk: {failures[0]}")
    return time.perf_counter() - started


def wait_applied(vn: Instance, cn: Instance, headers: list[dict[str, str]], total: int) -> None:
    """Block until CN has applied `total` messages from VN, none held back, and VN has
    recorded each as delivered."""
    deadline = time.monotonic() + DRAIN_SECONDS
    clients = [Client(*host_and_port(side.url)) for side in (vn, cn)]
    try:
        with progress_bar() as progress:
            task = progress.add_task("applied on CN", total=total)
            while time.monotonic() < deadline:
                sent, received = map(_link, clients, headers)
                progress.update(task, completed=received.get("received", 0))
                if (
                    received.get("received", 0) >= total
                    and received.get("held") == 0
                    and sent.get("delivered", 0) >= total
                ):
                    return
                time.sleep(0.5)
    finally:
        for client in clients:
            client.close()
    raise SystemExit(f"CN did not apply {total} messages within {DRAIN_SECONDS} s")


def _link(client: Client, headers: dict[str, str]) -> dict[str, int]:
    # How the link to the one peer stands, as GET /api/v1/exchange/status tells it.
    reply = client.get("/api/v1/exchange/status", headers)
    return json.loads(reply.body)["peers"][0] if reply.status == 200 else {}  # type: ignore[no-any-return]


# --- figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """What one phase measured."""

    name: str
    messages: int
    offered: float  # messages/s VN committed (the POSTs' pace)
    end_to_end: float  # messages/s, first created on VN to last delivered
    received: Latencies  # created on VN -> received_at on CN
    delivered: Latencies  # created on VN -> delivered_at on VN (CN committed and answered)


def measure(vn: Instance, cn: Instance, name: str, since: datetime, sending: float) -> Phase:
    """Join VN's outbox rows written since `since` with CN's inbox rows of the same ids."""
    with _engine(vn.database_url) as conn:
        sent = conn.execute(
            select(OutboxRow.id, OutboxRow.created_at, OutboxRow.delivered_at).where(
                OutboxRow.type == "manifest", OutboxRow.created_at >= since
            )
        ).all()
    ids = {row.id for row in sent}
    with _engine(cn.database_url) as conn:
        received = {
            row.id: row.received_at
            for row in conn.execute(select(InboxRow.id, InboxRow.received_at))
            if row.id in ids
        }
    if len(received) != len(sent) or any(row.delivered_at is None for row in sent):
        raise SystemExit(f"{name}: {len(sent)} written on VN, {len(received)} on CN")
    first = min(row.created_at for row in sent)
    last = max(row.delivered_at for row in sent)
    return Phase(
        name=name,
        messages=len(sent),
        offered=len(sent) / sending,
        end_to_end=len(sent) / (last - first).total_seconds(),
        received=Latencies([(received[row.id] - row.created_at).total_seconds() for row in sent]),
        delivered=Latencies([(row.delivered_at - row.created_at).total_seconds() for row in sent]),
    )


@contextmanager
def _engine(url: str) -> Iterator[Connection]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def exactly_once(vn: Instance, cn: Instance, trips: int) -> dict[str, tuple[str, bool]]:
    """What CN holds against what VN wrote: each message once, applied, no gap in any
    stream; one announced manifest per trip."""
    with _engine(vn.database_url) as conn:
        out = {r.id: (r.stream, r.seq) for r in conn.execute(select(OutboxRow))}
        undelivered = conn.scalar(select(func.count()).where(OutboxRow.status != "delivered"))
    with _engine(cn.database_url) as conn:
        into = {r.id: (r.stream, r.seq, r.status) for r in conn.execute(select(InboxRow))}
        manifests = conn.scalar(select(func.count()).select_from(ManifestRow))
    streams: dict[str, list[int]] = {}
    for stream, seq, _ in into.values():
        streams.setdefault(stream, []).append(seq)
    no_gap = all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in streams.values())
    statuses = {status for _, _, status in into.values()}
    same = set(out) == set(into) and all(out[i] == into[i][:2] for i in out)
    return {
        "written on VN / stored on CN": (f"{len(out):,} / {len(into):,}", same),
        "not delivered on VN": (f"{undelivered:,}", undelivered == 0),
        "CN inbox statuses": (", ".join(sorted(statuses)), statuses == {"applied"}),
        "streams on CN, each 1..n": (
            ", ".join(f"{name} 1..{max(seqs):,}" for name, seqs in sorted(streams.items())),
            no_gap,
        ),
        "announced manifests on CN / trips": (f"{manifests:,} / {trips:,}", manifests == trips),
    }


def phase_table(phase: Phase, bulk: int, *, judge: str) -> Table:
    """One phase's figures; `judge` names the target it is held to: "rate" or "p99"."""
    table = Table(title=f"{phase.name}: {phase.messages:,} manifests, bulks of {bulk}")
    for column in ("figure", "value", "target", "result"):
        table.add_column(column)
    table.add_row("committed on VN", f"{phase.offered:,.0f} msg/s", "", "")
    rate = ("", "") if judge != "rate" else (
        f"≥ {RATE_TARGET:,.0f}", verdict(phase.end_to_end >= RATE_TARGET)
    )  # fmt: skip
    table.add_row("first commit -> last applied", f"{phase.end_to_end:,.0f} msg/s", *rate)
    for label, latencies in (("received", phase.received), ("delivered", phase.delivered)):
        p50, p99, worst = (latencies.percentile(50), latencies.percentile(99),
                           max(latencies.samples))  # fmt: skip
        late = ("", "") if judge != "p99" or label != "delivered" else (
            f"p99 < {P99_TARGET * 1000:,.0f}", verdict(p99 < P99_TARGET)
        )  # fmt: skip
        figures = f"{p50 * 1000:,.0f} / {p99 * 1000:,.0f} / {worst * 1000:,.0f} ms"
        table.add_row(f"created -> {label}, p50 / p99 / max", figures, *late)
    return table


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5_000, help="trips declared a phase")
    parser.add_argument("--rate", type=float, default=RATE_TARGET, help="messages/s, phase 1")
    parser.add_argument("--bulk", type=int, default=50, help="trips a bulk declaration")
    for side in ("vn", "cn"):
        parser.add_argument(
            f"--database-url-{side}",
            help=f"{side.upper()}'s database (PostgreSQL, its public schema is emptied); "
            "a SQLite file in a temporary folder when not given",
        )
    return parser.parse_args()


def main() -> None:
    args = arguments()
    console.print(
        banner(f"smartgate exchange bench: {args.messages:,} manifests a phase, VN -> CN")
    )
    trips = Trips(seed=14)
    phases = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        two_instances(Path(tmp), {"VN": args.database_url_vn, "CN": args.database_url_cn}) as (
            vn,
            cn,
        ),
    ):
        console.print(f"VN {vn.url} on {_where(vn)}, CN {cn.url} on {_where(cn)}")
        forwarder = bearer(vn.url, "forwarder1")
        authority = [bearer(side.url, "authority-vn") for side in (vn, cn)]  # a demo user
        # Untimed: the first requests on each side fill SQLAlchemy's and pydantic's caches.
        declare(vn.url, forwarder, trips.bodies(WARM_UP, args.bulk), args.bulk, every=0, clients=1)
        wait_applied(vn, cn, authority, trips.next_index)
        plans = (
            (f"paced at {args.rate:,.0f} msg/s", args.bulk / args.rate, CLIENTS),
            ("burst", 0.0, CLIENTS),
        )
        for name, every, clients in plans:
            bodies = trips.bodies(args.messages, args.bulk)
            since = utcnow()
            sending = declare(vn.url, forwarder, bodies, args.bulk, every=every, clients=clients)
            wait_applied(vn, cn, authority, trips.next_index)
            phases.append(measure(vn, cn, name, since, sending))
        checks = exactly_once(vn, cn, trips.next_index)
    paced, burst = phases
    console.print(phase_table(paced, args.bulk, judge="p99"))
    console.print(phase_table(burst, args.bulk, judge="rate"))
    table = Table(title="exactly once: CN against VN, every message of the run")
    for column in ("check", "value", "result"):
        table.add_column(column)
    for check, (value, passed) in checks.items():
        table.add_row(check, value, verdict(passed))
    console.print(table)
    p99, kept_pace = paced.delivered.percentile(99), paced.offered >= 0.95 * args.rate
    console.print(
        f"TARGET end to end ≥ {RATE_TARGET:,.0f} msg/s (burst): {burst.end_to_end:,.0f} msg/s "
        f"{verdict(burst.end_to_end >= RATE_TARGET)}"
    )
    console.print(
        f"TARGET p99 commit -> applied < {P99_TARGET:.0f} s at {paced.offered:,.0f} msg/s "
        f"offered: {p99 * 1000:,.0f} ms {verdict(p99 < P99_TARGET and kept_pace)}"
    )
    console.print(
        f"TARGET each message applied exactly once: {verdict(all(ok for _, ok in checks.values()))}"
    )


def _where(instance: Instance) -> str:
    url = make_url(instance.database_url)
    return "SQLite" if url.drivername.startswith("sqlite") else f"PostgreSQL {url.database}"


if __name__ == "__main__":
    main()
