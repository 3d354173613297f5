"""Benchmark: the waiting area at 100,000 trucks, and slot bookings from 32 HTTP clients.

    python -m bench.queue [--sizes 1000,10000,100000] [--service-sizes 1000,100000]
                          [--lookups 2000] [--calls 300] [--bookings 6000] [--clients 32]
                          [--parts model,services,http] [--server-url URL]

Part 1 times the pure ordering model, `GateQueue.position` and `GateQueue.call_next`, at each
size: p50 and p99 in µs, and how the cost grows from the smallest size to the largest
(logarithmic growth from 1,000 to 100,000 trucks is log 100k / log 1k = 5/3 ≈ 1.7x). Look-ups
of random trucks also wait on memory once 100,000 trucks outgrow the CPU caches; look-ups of
the same 50 trucks again and again show the algorithm's own growth, which the target is for.

Part 2 times the same through the real use-cases on PostgreSQL. The waiting trucks are
written straight into the tables (declarations, bookings for the booked ones, queue entries),
then `waiting.position` and `waiting.call_next` run, each in its own transaction; every called
truck then crosses (untimed), as at a working gate. The first call after loading builds the
in-memory board from the rows, O(n): that rebuild is reported apart from the percentiles, as
are calls on a board one call behind (what a second server process holds after the first one
called a truck), which follow the change log instead.

Part 3 starts `smartgate serve` on the bench database; 32 client threads POST
/api/v1/bookings for declared trips at random slots of Tan Thanh's export hours, with fewer
places than requests so that slots fill up under contention. Then SQL checks that no slot
holds more active bookings than its quota and that every slot counter equals its bookings.

The bench works only in its own database `smartgate_bench_queue`: it creates it when missing,
empties its schema at the start and leaves the data behind for inspection. It prints each
figure beside its target and exits 0: it is a benchmark, not a test.
"""

if __name__ == "queue":  # imported as the standard library's `queue` by a script beside it
    raise ImportError("bench/queue.py shadows the standard library: run python -m bench.<name>")


import argparse
import copy
import json
import math
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy import URL, make_url

from bench.harness import (
    Outcome,
    Post,
    add_server_arguments,
    cpu_seconds,
    demo_server,
    post_concurrently,
    postgres_cpu_seconds,
)
from smartgate import bootstrap
from smartgate.config import Settings
from smartgate.declarations import services as declarations
from smartgate.declarations.plates import plate_key
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.identity import services as identity
from smartgate.identity.services import DEMO_PASSWORD
from smartgate.policy.schemas import CapacityIn
from smartgate.queue import boards, planning, services, waiting
from smartgate.queue.model import CallRules, GateQueue, Waiting, build_queue, hour_start
from smartgate.queue.schemas import CallNextIn, QueueEntryRead
from smartgate.shared.actor import Actor
from smartgate.shared.clock import VN_TZ, utcnow
from smartgate.uow import UnitOfWork

BENCH_DATABASE = "smartgate_bench_queue"
P99_TARGET_MS = 5.0
BOOKING_TARGET = 300.0  # bookings created per second over HTTP
QUEUE_GATE, BOOKING_GATE, DIRECTION = "huu-nghi", "tan-thanh", "export"
OPERATOR, AUTHORITY, DRIVER = "operator-huunghi", "authority-vn", "driver1"
BOOKERS = ("driver1", "driver2", "forwarder1")
BOOKING_CAPACITY = 100  # trucks per hour both sides declare at the booking gate: quota 75
# The same UTC hours on each side's clock (China is an hour ahead), so every slot has 100.
BOOKING_HOURS = {"VN": (7, 19), "CN": (8, 20)}
ALL_DAY = {"VN": (0, 24), "CN": (0, 24)}
FILL = 0.9  # places on offer per booking request: the rest meet a full slot (409)
WARM_UP = 8  # requests per client before the clock starts
ROUNDS = 10  # turns the model's sizes take
BEHIND_TRIES = 5  # calls timed on a board another process left behind
BOARD_VIEWS = 20  # operator board views timed (the next 20 trucks, counts, called, held)
WARM_TRUCKS = 50  # trucks looked up again and again to keep them in the CPU caches

# Wide enough for the tables when the output goes to a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 160)


# --- waiting trucks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Truck:
    """What the bench makes up about one waiting truck."""

    arrived_at: datetime
    slot_start: datetime | None
    flags: tuple[str, ...]


def made_up_trucks(count: int, rng: random.Random, now: datetime) -> list[Truck]:
    """A jammed waiting area, oldest arrival first: arrivals over the last 30 hours (so a fifth
    are backlog), 40 % booked near their arrival, a tenth with flagged goods."""
    waits = sorted((rng.uniform(0, 30) for _ in range(count)), reverse=True)
    trucks = []
    for hours in waits:
        arrived = now - timedelta(hours=hours)
        booked = rng.random() < 0.4
        slot = hour_start(arrived) + timedelta(hours=rng.randint(0, 4)) if booked else None
        trucks.append(Truck(arrived, slot, flags_drawn(rng)))
    return trucks


def flags_drawn(rng: random.Random) -> tuple[str, ...]:
    """3 % production inputs, 5 % perishable, 2 % cold chain (not a priority class by default)."""
    draw = rng.random()
    if draw < 0.03:
        return ("production_input",)
    if draw < 0.08:
        return ("perishable",)
    return ("cold_chain",) if draw < 0.10 else ()


def plate(index: int, series: str) -> str:
    """The index-th distinct Vietnamese tractor plate of a series."""
    number = f"{index % 100_000:05d}"
    return f"{11 + index // 100_000}{series}-{number[:3]}.{number[3:]}"


class Clock:
    """The bench's `now`: a second passes with every operation, so backlog keeps growing."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def bench_start() -> datetime:
    """Ten minutes into the current hour, whatever the wall clock says."""
    return hour_start(utcnow()) + timedelta(minutes=10)


# --- latency figures ----------------------------------------------------------------------


@dataclass
class Latencies:
    """Seconds each call of one operation took."""

    samples: list[float] = field(default_factory=list)

    def timed(self, call: Callable[[], object]) -> object:
        started = time.perf_counter()
        result = call()
        self.samples.append(time.perf_counter() - started)
        return result

    def percentile(self, share: int) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[share - 1]

    @property
    def rate(self) -> float:
        return len(self.samples) / sum(self.samples)


def verdict(passed: bool) -> str:
    """PASS or FAIL, coloured."""
    return "[green]PASS[/]" if passed else "[red]FAIL[/]"


@dataclass
class SizeFigures:
    """What one queue size measured: set-up figures to show, then the two operations."""

    size: int
    setup: dict[str, str]  # e.g. {"build": "13 ms"}, shown before the latencies
    position: Latencies
    call_next: Latencies
    # The model only: look-ups of the same few trucks, whose rows stay in the CPU caches.
    warm: Latencies = field(default_factory=Latencies)


@dataclass(frozen=True)
class Unit:
    """How latencies are shown: µs for the model, ms for the use-cases."""

    name: str
    per_second: float
    digits: int


def latency_table(title: str, caption: str, figures: list[SizeFigures], unit: Unit) -> Table:
    """Each size's p50, p99 and rate of both operations against the p99 target, then how much
    dearer a look-up is at the largest size than at the smallest."""
    table = Table(title=title, caption=f"p50 / p99 in {unit.name}; {caption}")
    columns = ["trucks", *figures[0].setup, "position p50", "p99", "rate", "call_next p50",
               "p99", "rate", "target", "result"]  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for f in figures:
        worst_ms = max(f.position.percentile(99), f.call_next.percentile(99)) * 1000
        table.add_row(
            f"{f.size:,}", *f.setup.values(), *cells(f.position, unit), *cells(f.call_next, unit),
            f"p99 < {P99_TARGET_MS:g} ms", verdict(worst_ms < P99_TARGET_MS),
        )  # fmt: skip
    if len(figures) > 1:
        table.add_section()
        for row in growth_rows(figures[0], figures[-1]):
            table.add_row(row[0], *[""] * len(figures[0].setup), *row[1:])
    return table


def growth_rows(small: SizeFigures, large: SizeFigures) -> list[tuple[str, ...]]:
    """How much dearer each operation's p50 is at the largest size than at the smallest. The
    target is logarithmic growth: log 100,000 / log 1,000 = 5/3 from 1k to 100k trucks."""
    most = math.log(large.size) / math.log(small.size)
    target = f"look-up ≤ {most:.2f}x"
    label = f"p50 {large.size // 1000}k / {small.size // 1000}k"
    look_up = growth(small.position, large.position)
    call = f"{growth(small.call_next, large.call_next):.2f}x"
    if not small.warm.samples:
        return [(label, f"{look_up:.2f}x", "", "", call, "", "", target, verdict(look_up <= most))]
    # Random trucks of 100,000 no longer fit in the CPU caches, so each look-up also waits on
    # memory; the same few trucks again and again leave the algorithm's own growth.
    warm = growth(small.warm, large.warm)
    return [
        (f"{label}, random trucks", f"{look_up:.2f}x", "", "", call, "", "", "(with memory)", ""),
        (f"{label}, same {WARM_TRUCKS} trucks", f"{warm:.2f}x", "", "", "", "", "", target,
         verdict(warm <= most)),
    ]  # fmt: skip


def growth(small: Latencies, large: Latencies) -> float:
    """The larger queue's p50 over the smaller one's."""
    return large.percentile(50) / small.percentile(50)


def cells(latencies: Latencies, unit: Unit) -> tuple[str, str, str]:
    """p50 and p99 in the unit, and the rate, as table cells."""
    p50, p99 = (latencies.percentile(p) * unit.per_second for p in (50, 99))
    return f"{p50:,.{unit.digits}f}", f"{p99:,.{unit.digits}f}", f"{latencies.rate:,.0f}/s"


MICROSECONDS, MILLISECONDS = Unit("µs", 1e6, 1), Unit("ms", 1e3, 2)


# --- part 1: the pure model ---------------------------------------------------------------


def bench_model(
    sizes: list[int], lookups: int, calls: int, rng: random.Random
) -> list[SizeFigures]:
    """Build a GateQueue of each size, then time random look-ups and calls. The sizes take
    turns, so a burst of other work on the machine slows each of them alike. The clock stands
    still: the figures are the ordering's own cost, while the backlog promotions a moving clock
    brings grow with the arrival rate, not with the queue."""
    now = bench_start()
    built = {size: built_queue(size, rng, now) for size in sizes}
    figures = {
        size: SizeFigures(size, {"build": f"{seconds * 1000:,.0f} ms"}, Latencies(), Latencies())
        for size, (_, _, seconds) in built.items()
    }
    warm = {size: rng.sample(ids, min(WARM_TRUCKS, size)) for size, (_, ids, _) in built.items()}
    for _ in range(ROUNDS):
        for size, (queue, ids, _) in built.items():
            for truck_id in rng.choices(ids, k=lookups // ROUNDS):
                figures[size].position.timed(lambda q=queue, t=truck_id: q.position(t, now))
            for truck_id in rng.choices(warm[size], k=lookups // ROUNDS):
                figures[size].warm.timed(lambda q=queue, t=truck_id: q.position(t, now))
    # Calls take trucks away, so they come after every look-up.
    for _ in range(ROUNDS):
        for size, (queue, _, _) in built.items():
            for _ in range(min(calls, size) // ROUNDS):
                figures[size].call_next.timed(lambda q=queue: q.call_next(now))
    return list(figures.values())


def built_queue(size: int, rng: random.Random, now: datetime) -> tuple[GateQueue, list[str], float]:
    """A queue of `size` made-up trucks, their ids and the seconds building it took."""
    trucks = [
        Waiting(str(i), i, t.arrived_at, t.slot_start, frozenset(t.flags))
        for i, t in enumerate(made_up_trucks(size, rng, now))
    ]
    started = time.perf_counter()
    queue = build_queue(trucks, CallRules(), now)
    seconds = time.perf_counter() - started
    # The first use promotes every truck already past the backlog threshold, once: untimed.
    queue.position(trucks[0].id, now)
    return queue, [t.id for t in trucks], seconds


# --- the bench database -------------------------------------------------------------------


def conninfo(url: URL) -> str:
    """A libpq URL for psycopg, which knows no '+psycopg' driver suffix."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def fresh_bench_database(server_url: str) -> Settings:
    """Create the bench database if missing, empty its schema, migrate and fill it with the
    demo gates and users; returns settings pointing at it."""
    url = make_url(server_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit(f"the bench needs PostgreSQL, not {url.drivername}")
    # CREATE DATABASE cannot run inside a transaction, hence autocommit.
    with psycopg.connect(conninfo(url.set(database="postgres")), autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DATABASE,))
        if found.fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))
    bench_url = url.set(database=BENCH_DATABASE)
    with psycopg.connect(conninfo(bench_url), autocommit=True) as bench:
        bench.execute("DROP SCHEMA IF EXISTS public CASCADE")
        bench.execute("CREATE SCHEMA public")
    settings = Settings(
        database_url=bench_url.render_as_string(hide_password=False), demo=True, side="VN"
    )
    bootstrap.prepare(settings)
    return settings


def connect(settings: Settings) -> psycopg.Connection:
    """A plain psycopg connection to the bench database, for loading and checking rows."""
    return psycopg.connect(conninfo(make_url(settings.database_url)))


def declare_capacity(
    uow: UnitOfWork, gate_id: str, trucks_per_hour: int, hours: dict[str, tuple[int, int]]
) -> None:
    """Each side declares the same standing figure for its local hours, e.g. {"VN": (7, 19)}."""
    authority = identity.actor_for_username(uow=uow, username=AUTHORITY)
    for side, (start, end) in hours.items():
        data = CapacityIn(
            direction=DIRECTION, trucks_per_hour=trucks_per_hour, from_hour=start, to_hour=end,
            side=side,
        )  # fmt: skip
        planning.declare_capacity(
            uow=uow, actor=authority, gate_id=gate_id, data=data, own_side="VN"
        )


# --- part 2: the use-cases on PostgreSQL --------------------------------------------------


def load_waiting_area(settings: Settings, trucks: list[Truck]) -> list[uuid.UUID]:
    """Write the trucks as waiting at the queue gate, with the booking each booked one holds
    (no goods lines: neither use-case reads them); returns their queue entry ids. Anything a
    previous size left is removed first."""
    with connect(settings) as conn:
        conn.execute(
            "TRUNCATE queue_entries, notices, bookings, slot_counts, queue_state, "
            "queue_changes, declarations CASCADE"
        )
        [(owner,)] = conn.execute("SELECT id FROM users WHERE username = %s", (DRIVER,))
        rows = [waiting_rows(i, truck, owner) for i, truck in enumerate(trucks)]
        copy_rows(conn, "declarations", DECLARATION_COLUMNS, [r[0] for r in rows])
        copy_rows(conn, "bookings", BOOKING_COLUMNS, [r[1] for r in rows if r[1]])
        copy_rows(conn, "queue_entries", ENTRY_COLUMNS, [r[2] for r in rows])
        # The slot counters say what the bookings say, as if each had been booked in turn.
        conn.execute(
            "INSERT INTO slot_counts (gate_id, direction, slot_start, booked) "
            "SELECT gate_id, direction, slot_start, count(*) FROM bookings "
            "GROUP BY gate_id, direction, slot_start"
        )
        conn.commit()
        conn.execute("ANALYZE")
    boards.forget_all()  # the rows changed behind the cache's back
    return [r[2][0] for r in rows]


DECLARATION_COLUMNS = (
    "id", "gate_id", "direction", "tractor_plate", "driver_name", "expected_arrival", "status",
    "owner_id", "owner_name", "created_at", "updated_at", "version", "delivery_mode",
)  # fmt: skip
BOOKING_COLUMNS = (
    "id", "declaration_id", "gate_id", "direction", "slot_start", "vehicle_key", "plate",
    "owner_id", "status", "reschedules", "pass_code", "created_at",
)  # fmt: skip
ENTRY_COLUMNS = (
    "id", "gate_id", "direction", "declaration_id", "booking_id", "vehicle_key", "plate",
    "owner_id", "arrived_at", "slot_start", "flags", "hs_codes", "delivery_mode", "status",
)  # fmt: skip


def waiting_rows(index: int, truck: Truck, owner: int) -> tuple[tuple, ...]:
    """The declaration, booking (or None) and queue entry rows of one waiting truck."""
    trip, booking, entry = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    tractor = plate(index, "C")
    vehicle = plate_key(tractor)
    arrived, slot = truck.arrived_at, truck.slot_start
    declaration = (
        trip, QUEUE_GATE, DIRECTION, tractor, "Nguyễn Văn An", arrived, "declared", owner, DRIVER,
        arrived, arrived, 1, "direct",
    )  # fmt: skip
    booked = slot is not None
    booking_row = (
        booking, trip, QUEUE_GATE, DIRECTION, slot, vehicle, tractor, owner, "active", 0,
        secrets.token_urlsafe(12), arrived - timedelta(days=1),
    )  # fmt: skip
    entry_row = (
        entry, QUEUE_GATE, DIRECTION, trip, booking if booked else None, vehicle, tractor, owner,
        arrived, slot, json.dumps(sorted(truck.flags)), json.dumps(["081060"]), "direct",
        "waiting",
    )  # fmt: skip
    return declaration, booking_row if booked else None, entry_row


def copy_rows(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: list) -> None:
    """COPY rows into a table: the fast way to set up 100,000 trucks."""
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def bench_services(
    settings: Settings, size: int, lookups: int, calls: int, rng: random.Random
) -> SizeFigures:
    """Load `size` waiting trucks, then time position look-ups and calls through the services."""
    clock = Clock(bench_start())
    started = time.perf_counter()
    ids = load_waiting_area(settings, made_up_trucks(size, rng, clock.now))
    load = time.perf_counter() - started
    boards.forget_all()  # the rows were replaced behind the boards' back
    uow = bootstrap.unit_of_work(settings)
    driver = identity.actor_for_username(uow=uow, username=DRIVER)
    operator = identity.actor_for_username(uow=uow, username=OPERATOR)

    def position(entry_id: uuid.UUID) -> object:
        return waiting.position(uow=uow, actor=driver, entry_id=entry_id, now=clock.tick())

    rebuild = Latencies()
    rebuild.timed(lambda: position(ids[0]))
    looked_up = Latencies()
    for entry_id in rng.sample(ids, min(lookups, size)):
        looked_up.timed(lambda e=entry_id: position(e))
    called = Latencies()
    call = CallNextIn(direction=DIRECTION)
    for _ in range(min(calls, size)):
        [truck] = called.timed(  # type: ignore[misc]
            lambda: waiting.call_next(
                uow=uow, actor=operator, gate_id=QUEUE_GATE, data=call, now=clock.tick()
            )
        )
        waiting.mark_crossed(
            uow=uow, actor=operator, gate_id=QUEUE_GATE, entry_id=truck.id, now=clock.tick()
        )
    behind = call_behind(uow, operator, clock)
    shown = Latencies()
    for _ in range(BOARD_VIEWS):
        shown.timed(
            lambda: waiting.board(
                uow=uow, actor=operator, gate_id=QUEUE_GATE, direction=DIRECTION, now=clock.tick()
            )
        )
    setup = {
        "rows loaded": f"{load:,.1f} s",
        "rebuild": f"{rebuild.samples[0] * 1000:,.0f} ms",
        "call, 1 behind": f"{behind.percentile(50) * 1000:,.1f} ms",
        "board": f"{shown.percentile(50) * 1000:,.1f} ms",
    }
    return SizeFigures(size, setup, looked_up, called)


def call_behind(uow: UnitOfWork, operator: Actor, clock: Clock) -> Latencies:
    """Calls made on a board one call behind, as a second server process holds it after the
    first one called a truck: it reads what changed from the change log, not every row."""
    key = (uow.database, QUEUE_GATE, DIRECTION)

    def call() -> QueueEntryRead:
        data = CallNextIn(direction=DIRECTION)
        [truck] = waiting.call_next(
            uow=uow, actor=operator, gate_id=QUEUE_GATE, data=data, now=clock.tick()
        )
        return truck

    timed = Latencies()
    for _ in range(BEHIND_TRIES):
        # The cache is private to boards.py; here it stands in for the other process's memory.
        second = copy.deepcopy(boards._boards[key])
        trucks = [call()]  # the first process
        boards._boards[key] = second
        trucks.append(timed.timed(call))  # type: ignore[arg-type]
        for truck in trucks:
            waiting.mark_crossed(
                uow=uow, actor=operator, gate_id=QUEUE_GATE, entry_id=truck.id, now=clock.tick()
            )
    return timed


# --- part 3: bookings over HTTP -----------------------------------------------------------


def slot_quotas(uow: UnitOfWork, places: int) -> dict[datetime, int]:
    """The booking gate's slots from tomorrow on, in order, until their quotas add up to at
    least `places`: slot start -> quota."""
    quotas: dict[datetime, int] = {}
    day = utcnow().astimezone(VN_TZ).date()
    while sum(quotas.values()) < places:
        day += timedelta(days=1)
        listed = services.slots(
            uow=uow, gate_id=BOOKING_GATE, direction=DIRECTION, day=day, side="VN"
        )
        for slot in listed.slots:
            if sum(quotas.values()) < places:
                quotas[slot.start] = slot.quota
    return quotas


def declare_trips(uow: UnitOfWork, count: int) -> list[tuple[str, uuid.UUID]]:
    """`count` declared trips at the booking gate, each truck its own plate, shared out
    between the booking accounts; returns (username, declaration id) pairs."""
    arrival = (utcnow() + timedelta(days=1)).astimezone(VN_TZ)
    trips = []
    for number, username in enumerate(BOOKERS):
        actor = identity.actor_for_username(uow=uow, username=username)
        indexes = range(number, count, len(BOOKERS))
        items = [trip_to_book(i, arrival) for i in indexes]
        outcome = declarations.declare_many(uow=uow, actor=actor, items=items)
        trips += [(username, trip_id) for trip_id in outcome.created]
    return trips


def trip_to_book(index: int, arrival: datetime) -> DeclarationCreate:
    """A durian truck leaving through the booking gate."""
    return DeclarationCreate.model_validate(
        {
            "gate_id": BOOKING_GATE,
            "direction": DIRECTION,
            "tractor_plate": plate(index, "LD"),
            "driver_name": "Trần Văn Bình",
            "expected_arrival": arrival,
            "goods": [
                {
                    "hs_code": "081060",
                    "description": "Sầu riêng tươi / Fresh durian",
                    "gross_kg": 18_000,
                    "value": 25_000,
                    "currency": "USD",
                    "perishable": True,
                }
            ],
        }
    )


def bearer(base: str, username: str) -> dict[str, str]:
    """Authorization headers for a demo user, through the OAuth2 password flow."""
    answer = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"username": username, "password": DEMO_PASSWORD},
        timeout=30,
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def lift_rate_limit(base: str) -> tuple[int, int]:
    """Let each account book as fast as the clients ask, as the booking gate's authority:
    three accounts making thousands of bookings would otherwise meet the per-account limit.
    Returns the limit before and after."""
    headers = bearer(base, AUTHORITY)
    url = f"{base}/api/v1/gates/{BOOKING_GATE}/rules"
    rules = httpx.get(url, timeout=30).raise_for_status().json()
    before, rules["bookings_per_minute"] = rules["bookings_per_minute"], 10_000
    httpx.put(url, json=rules, headers=headers, timeout=30).raise_for_status()
    return before, rules["bookings_per_minute"]


@dataclass(frozen=True)
class Request:
    """One booking request, encoded up front so the clients do little while timed."""

    username: str
    body: bytes


def booking_requests(
    trips: list[tuple[str, uuid.UUID]], slots: list[datetime], rng: random.Random
) -> list[Request]:
    """Each trip asks for a random slot of the pool."""
    return [
        Request(username, json.dumps(
            {"declaration_id": str(trip_id), "slot_start": rng.choice(slots).isoformat()}
        ).encode())
        for username, trip_id in trips
    ]  # fmt: skip


BOOKED_OR_FULL = frozenset({201, 409})


@dataclass
class BookingFigures:
    """What the HTTP phase measured and what SQL found afterwards."""

    clients: int
    outcome: Outcome
    seconds: float
    cpu: tuple[float, float, float]  # CPU seconds of the server, PostgreSQL and the clients
    rate_limit: tuple[int, int]
    slots: int
    overbooked: list[str]
    miscounted: list[str]
    stored: int
    created: int


def bench_http(
    settings: Settings, count: int, clients: int, workers: int, rng: random.Random
) -> BookingFigures:
    """Book over HTTP from `clients` threads; then check every slot of the pool by SQL."""
    uow = bootstrap.unit_of_work(settings)
    warm_up = clients * WARM_UP
    quotas = slot_quotas(uow, round((warm_up + count) * FILL))
    requests = booking_requests(declare_trips(uow, warm_up + count), list(quotas), rng)
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_server(settings.database_url, Path(tmp) / "log", workers) as (base, pid),
    ):
        rate_limit = lift_rate_limit(base)
        headers = {username: bearer(base, username) for username in BOOKERS}
        posts = [Post("/api/v1/bookings", headers[r.username], r.body) for r in requests]
        warmed, _ = post_concurrently(base, posts[:warm_up], clients, BOOKED_OR_FULL)
        before = (cpu_seconds(pid), postgres_cpu_seconds(), time.process_time())
        outcome, seconds = post_concurrently(base, posts[warm_up:], clients, BOOKED_OR_FULL)
        after = (cpu_seconds(pid), postgres_cpu_seconds(), time.process_time())
        cpu = (after[0] - before[0], after[1] - before[1], after[2] - before[2])
    overbooked, miscounted, stored = check_slots(settings, quotas)
    created = warmed.statuses[201] + outcome.statuses[201]
    return BookingFigures(
        clients, outcome, seconds, cpu, rate_limit, len(quotas), overbooked, miscounted,
        stored, created,
    )  # fmt: skip


def check_slots(
    settings: Settings, quotas: dict[datetime, int]
) -> tuple[list[str], list[str], int]:
    """Slots holding more active bookings than their quota, slots whose counter disagrees with
    their bookings, and how many bookings the gate holds."""
    with connect(settings) as conn:
        per_slot = conn.execute(
            # Bookings that were used at the gate keep their place in the counter.
            "SELECT slot_start, count(*) FILTER (WHERE status = 'active'), "
            "count(*) FILTER (WHERE status IN ('active', 'held', 'used')) "
            "FROM bookings WHERE gate_id = %s AND direction = %s GROUP BY slot_start",
            (BOOKING_GATE, DIRECTION),
        ).fetchall()
        counters = dict(
            conn.execute(
                "SELECT slot_start, booked FROM slot_counts WHERE gate_id = %s AND direction = %s",
                (BOOKING_GATE, DIRECTION),
            ).fetchall()
        )
    active = {slot: count for slot, count, _ in per_slot}
    taken = {slot: count for slot, _, count in per_slot}
    overbooked = [
        f"{slot:%Y-%m-%d %H:%M}: {count} > {quotas.get(slot, 0)}"
        for slot, count in active.items()
        if count > quotas.get(slot, 0)
    ]
    miscounted = [
        f"{slot:%Y-%m-%d %H:%M}: counter {counters.get(slot, 0)}, bookings {taken.get(slot, 0)}"
        for slot in taken.keys() | counters.keys()
        if counters.get(slot, 0) != taken.get(slot, 0)
    ]
    return overbooked, miscounted, sum(taken.values())


def booking_tables(f: BookingFigures) -> tuple[Table, Table]:
    """Part 3's rate and its check by SQL."""
    statuses = f.outcome.statuses
    requests = sum(statuses.values())
    rate = statuses[201] / f.seconds
    speed = Table(
        title=f"Part 3: POST /api/v1/bookings over HTTP ({BOOKING_GATE} {DIRECTION})",
        caption=f"{f.clients} client threads and the server share {os.cpu_count()} CPUs; "
        f"{WARM_UP} warm-up requests per client before the clock; places on offer = "
        f"{FILL:.0%} of requests, so some meet a full slot (409)",
    )
    for column in ("clients", "requests", "201", "409", "other", "seconds", "requests/s",
                   "CPU/request server", "PostgreSQL", "clients", "bookings/s", "target",
                   "result"):  # fmt: skip
        speed.add_column(column, justify="right")
    speed.add_row(
        str(f.clients), f"{requests:,}", f"{statuses[201]:,}", f"{statuses[409]:,}",
        f"{f.outcome.other:,}", f"{f.seconds:.1f}", f"{requests / f.seconds:,.0f}",
        *(f"{seconds / requests * 1000:.1f} ms" for seconds in f.cpu), f"{rate:,.0f}",
        f"≥ {BOOKING_TARGET:,.0f}/s",
        verdict(rate >= BOOKING_TARGET and not f.outcome.other),
    )  # fmt: skip
    check = Table(title="Part 3: every slot of the pool checked by SQL afterwards")
    for column in ("check", "found", "target", "result"):
        check.add_column(column, justify="left" if column == "check" else "right")
    check.add_row(
        f"slots holding more active bookings than their quota (of {f.slots})",
        str(len(f.overbooked)), "0", verdict(not f.overbooked),
    )  # fmt: skip
    check.add_row(
        "slot counters differing from their bookings", str(len(f.miscounted)), "0",
        verdict(not f.miscounted),
    )  # fmt: skip
    check.add_row(
        "bookings stored vs 201 answers (warm-up included)", f"{f.stored:,} / {f.created:,}",
        "equal", verdict(f.stored == f.created),
    )  # fmt: skip
    return speed, check


# --- entry point --------------------------------------------------------------------------


def sizes(text: str) -> list[int]:
    """'1000,100000' -> [1000, 100000]."""
    return [int(part) for part in text.split(",") if part.strip()]


PARTS = ("model", "services", "http")


def parts(text: str) -> tuple[str, ...]:
    """'services,http' -> ("services", "http"), refusing unknown names."""
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = set(chosen) - set(PARTS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown part {', '.join(sorted(unknown))}")
    return chosen


def arguments() -> argparse.Namespace:
    """The command line: sizes, how many operations, clients and which server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=sizes, default=[1_000, 10_000, 100_000],
                        help="waiting trucks for the pure model")  # fmt: skip
    parser.add_argument("--service-sizes", type=sizes, default=[1_000, 100_000],
                        help="waiting trucks for the use-cases on PostgreSQL")  # fmt: skip
    parser.add_argument("--lookups", type=int, default=2_000, help="position look-ups per size")
    parser.add_argument("--calls", type=int, default=300, help="call_next calls per size")
    parser.add_argument("--bookings", type=int, default=6_000, help="timed booking requests")
    parser.add_argument("--seed", type=int, default=1, help="seed of the made-up trucks")
    parser.add_argument(
        "--parts", type=parts, default=PARTS, help="which parts to run, e.g. services,http"
    )
    add_server_arguments(parser, clients=32, database=BENCH_DATABASE)
    return parser.parse_args()


def main() -> None:
    """Time the model, the use-cases and the HTTP bookings; print each figure by its target."""
    args = arguments()
    rng = random.Random(args.seed)
    console.print(
        f"[bold]smartgate queue bench[/] on {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} (other work on the machine slows every figure)"
    )
    if "model" in args.parts:
        model = bench_model(args.sizes, args.lookups, args.calls, rng)
        console.print(
            latency_table(
                "Part 1: pure model, GateQueue of one gate and direction",
                "rate = calls a second on one core; the clock stands still",
                model,
                MICROSECONDS,
            )
        )
    if "services" not in args.parts and "http" not in args.parts:
        return
    settings = fresh_bench_database(args.server_url)
    uow = bootstrap.unit_of_work(settings)
    console.print(f"prepared {make_url(settings.database_url).render_as_string()} (demo, VN)")
    declare_capacity(uow, QUEUE_GATE, 1_000, ALL_DAY)  # room to call every timed truck
    declare_capacity(uow, BOOKING_GATE, BOOKING_CAPACITY, BOOKING_HOURS)
    if "services" in args.parts:
        used = [
            bench_services(settings, n, args.lookups, args.calls, rng) for n in args.service_sizes
        ]
        console.print(
            latency_table(
                f"Part 2: use-cases on PostgreSQL, {QUEUE_GATE} {DIRECTION}, one transaction each",
                "rebuild = the first call after loading, which builds the in-memory board from "
                "the rows; it is left out of the percentiles. call, 1 behind = p50 of "
                f"{BEHIND_TRIES} calls on a board another process left one call behind; board = "
                f"p50 of {BOARD_VIEWS} operator board views (next 20 trucks, counts, held, called)",
                used,
                MILLISECONDS,
            )
        )
    if "http" in args.parts:
        bench_http_part(settings, args, rng)
    console.print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def bench_http_part(settings: Settings, args: argparse.Namespace, rng: random.Random) -> None:
    """Part 3 with its report."""
    booked = bench_http(settings, args.bookings, args.clients, args.workers, rng)
    low, high = booked.rate_limit
    console.print(
        f"note: bookings_per_minute at {BOOKING_GATE} raised from {low} to {high:,} "
        f"(PUT /api/v1/gates/{BOOKING_GATE}/rules as {AUTHORITY}): {len(BOOKERS)} accounts "
        "make every booking of the run"
    )
    for table in booking_tables(booked):
        console.print(table)
    for line in (booked.outcome.samples + booked.overbooked + booked.miscounted)[:10]:
        console.print(f"  [red]{line}[/]")


if __name__ == "__main__":
    main()
