"""Benchmark: the waiting area at 100,000 trucks, slot bookings from 32 HTTP clients, and a
rush of 2,000 bookings released at once.

    python -m bench.queue [--sizes 1000,10000,100000] [--service-sizes 1000,100000]
                          [--lookups 2000] [--calls 300] [--bookings 6000] [--clients 32]
                          [--rush-connections 300] [--parts model,services,http,rush]
                          [--server-url URL]

Part 1 times the pure ordering model, `GateQueue.position` and `GateQueue.call_next`, at each
size: p50 and p99 in µs, and how the cost grows from the smallest size to the largest
(logarithmic growth from 1,000 to 100,000 trucks is log 100k / log 1k = 5/3 ≈ 1.7x). Look-ups
of random trucks also wait on memory once 100,000 trucks outgrow the CPU caches; look-ups of
the same 50 trucks again and again show the algorithm's own growth, which the target is for.

Part 2 times the same through the real use-cases on PostgreSQL. The waiting trucks are
written straight into the tables (declarations, bookings for the booked ones, queue entries),
then `waiting_area.position` and `waiting_area.call_next` run, each in its own transaction;
every called truck then crosses (untimed), as at a working gate. The first call after loading
builds the in-memory board from the rows, O(n): that rebuild is reported apart from the
percentiles, as are calls on a board one call behind (what a second server process holds
after the first one called a truck), which follow the change log instead.

Part 3 starts `smartgate serve` on the bench database; 32 client threads POST
/api/v1/bookings for declared trips at random slots of Tan Thanh's export hours, with fewer
places than requests so that slots fill up under contention. Then SQL checks that no slot
holds more active bookings than its quota and that every slot counter equals its bookings.

Part 4 is the slot-release rush, as when bots and drivers all hit a new day at midnight: 190
drivers and 10 forwarders of one company, accounts created through the identity service and
signed in once over HTTP, each with 10 trucks declared at Chi Ma. 2,000 booking requests for
the 360 places of the booking window's last whole day wait on 300 open connections, then go
at once; the forwarders' bots lead, each asking for 30 of the company's trucks. The gate keeps
its default rules, 10 bookings a minute per account among them. Targets: no 5xx and no
dropped connection, every refusal a 409 or a 429, no slot over its quota (by SQL, against the
quotas GET /api/v1/gates/chi-ma/slots lists), no account given more places than the rate
limit; p99 latency is printed, and first come, first served is measured: the share of the
places won by the earliest half of the requests by send time (1.0 = first come first served,
0.5 = random), beside what strict first come, first served of the same requests would give.

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
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url

from bench.harness import (
    Answer,
    Latencies,
    Outcome,
    Post,
    add_server_arguments,
    banner,
    bearer,
    conninfo,
    cpu_seconds,
    demo_server,
    each_in_threads,
    fresh_demo_database,
    post_at_once,
    post_concurrently,
    postgres_cpu_seconds,
    verdict,
)
from smartgate import bootstrap
from smartgate.config import Settings
from smartgate.declarations import services as declarations
from smartgate.declarations.plates import plate_key
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.identity import services as identity
from smartgate.identity.services import NewUser
from smartgate.policy import services as policy_services
from smartgate.policy.schemas import CapacityIn
from smartgate.queue import boards, services, waiting_area
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


def connect(settings: Settings) -> psycopg.Connection:
    """A plain psycopg connection to the bench database, for loading and checking rows."""
    return psycopg.connect(conninfo(make_url(settings.database_url)))


def bench_actor(uow: UnitOfWork, username: str) -> Actor:
    """The actor of a user of the bench database, which runs in demo mode."""
    return identity.actor_for_username(uow=uow, username=username, demo_mode=True)


def declare_capacity(
    uow: UnitOfWork, gate_id: str, trucks_per_hour: int, hours: dict[str, tuple[int, int]]
) -> None:
    """Each side declares the same standing figure for its local hours, e.g. {"VN": (7, 19)}."""
    authority = bench_actor(uow, AUTHORITY)
    for side, (start, end) in hours.items():
        data = CapacityIn(
            direction=DIRECTION, trucks_per_hour=trucks_per_hour, from_hour=start, to_hour=end,
            side=side,
        )  # fmt: skip
        policy_services.declare_capacity(
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
        trip, QUEUE_GATE, DIRECTION, tractor, "Nguyễn Văn An", arrived, "waiting", owner, DRIVER,
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
    uow = bootstrap.unit_of_work(settings)
    driver = bench_actor(uow, DRIVER)
    operator = bench_actor(uow, OPERATOR)

    def position(entry_id: uuid.UUID) -> object:
        return waiting_area.position(uow=uow, actor=driver, entry_id=entry_id, now=clock.tick())

    rebuild = Latencies()
    rebuild.timed(lambda: position(ids[0]))
    looked_up = Latencies()
    for entry_id in rng.sample(ids, min(lookups, size)):
        looked_up.timed(lambda e=entry_id: position(e))
    called = Latencies()
    call = CallNextIn(direction=DIRECTION)
    for _ in range(min(calls, size)):
        [truck] = called.timed(  # type: ignore[misc]
            lambda: waiting_area.call_next(
                uow=uow, actor=operator, gate_id=QUEUE_GATE, data=call, now=clock.tick()
            )
        )
        waiting_area.mark_crossed(
            uow=uow, actor=operator, gate_id=QUEUE_GATE, entry_id=truck.id, now=clock.tick()
        )
    behind = call_behind(uow, operator, clock)
    shown = Latencies()
    for _ in range(BOARD_VIEWS):
        shown.timed(
            lambda: waiting_area.board(
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
        [truck] = waiting_area.call_next(
            uow=uow, actor=operator, gate_id=QUEUE_GATE, data=data, now=clock.tick()
        )
        return truck

    timed = Latencies()
    for _ in range(BEHIND_TRIES):
        # This process's cache stands in for the other process's memory.
        second = copy.deepcopy(boards.cache_of(uow).boards[key])
        trucks = [call()]  # the first process
        boards.cache_of(uow).boards[key] = second
        trucks.append(timed.timed(call))  # type: ignore[arg-type]
        for truck in trucks:
            waiting_area.mark_crossed(
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


def booking_accounts(clients: int) -> list[NewUser]:
    """One driver account per client: each account's requests are counted one at a time
    (the per-account rate limit), as a real account's few requests are."""
    return [
        NewUser(f"bench-booker-{n:02d}", ACCOUNT_PASSWORD, "driver", f"Tài xế {n:02d}")
        for n in range(clients)
    ]


def declare_trips(uow: UnitOfWork, count: int, usernames: list[str]) -> list[tuple[str, uuid.UUID]]:
    """`count` declared trips at the booking gate, each truck its own plate, the i-th of the
    account i modulo their number (so each client, sent every clients-th request, books for
    one account); returns (username, declaration id) pairs in that order."""
    arrival = (utcnow() + timedelta(days=1)).astimezone(VN_TZ)
    trips: list[tuple[int, str, uuid.UUID]] = []
    for number, username in enumerate(usernames):
        actor = bench_actor(uow, username)
        indexes = range(number, count, len(usernames))
        items = [trip_to_book(BOOKING_GATE, plate(i, "LD"), arrival) for i in indexes]
        outcome = declarations.declare_many(uow=uow, actor=actor, items=items)
        trips += [
            (i, username, trip_id) for i, trip_id in zip(indexes, outcome.created, strict=True)
        ]
    return [(username, trip_id) for _, username, trip_id in sorted(trips)]


def trip_to_book(gate_id: str, tractor_plate: str, arrival: datetime) -> DeclarationCreate:
    """A durian truck leaving through a gate."""
    return DeclarationCreate.model_validate(
        {
            "gate_id": gate_id,
            "direction": DIRECTION,
            "tractor_plate": tractor_plate,
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
        Request(username, booking_body(trip_id, rng.choice(slots))) for username, trip_id in trips
    ]


def booking_body(trip_id: uuid.UUID, slot: datetime) -> bytes:
    """The JSON body of POST /api/v1/bookings."""
    return json.dumps({"declaration_id": str(trip_id), "slot_start": slot.isoformat()}).encode()


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
    accounts = booking_accounts(clients)
    create_accounts(uow, accounts)
    usernames = [a.username for a in accounts]
    requests = booking_requests(declare_trips(uow, warm_up + count, usernames), list(quotas), rng)
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_server(settings.database_url, Path(tmp) / "log", workers) as (base, pid),
    ):
        rate_limit = lift_rate_limit(base)
        headers = {name: bearer(base, name, ACCOUNT_PASSWORD) for name in usernames}
        posts = [Post("/api/v1/bookings", headers[r.username], r.body) for r in requests]
        warmed, _ = post_concurrently(base, posts[:warm_up], clients, BOOKED_OR_FULL)
        before = (cpu_seconds(pid), postgres_cpu_seconds(), time.process_time())
        outcome, seconds = post_concurrently(base, posts[warm_up:], clients, BOOKED_OR_FULL)
        after = (cpu_seconds(pid), postgres_cpu_seconds(), time.process_time())
        cpu = (after[0] - before[0], after[1] - before[1], after[2] - before[2])
    overbooked, miscounted, stored = check_slots(settings, BOOKING_GATE, quotas)
    created = warmed.statuses[201] + outcome.statuses[201]
    return BookingFigures(
        clients, outcome, seconds, cpu, rate_limit, len(quotas), overbooked, miscounted,
        stored, created,
    )  # fmt: skip


def check_slots(
    settings: Settings, gate_id: str, quotas: dict[datetime, int]
) -> tuple[list[str], list[str], int]:
    """Slots of the gate holding more active bookings than their quota, slots whose counter
    disagrees with their bookings, and how many bookings the gate holds."""
    with connect(settings) as conn:
        per_slot = conn.execute(
            # Bookings that were used at the gate keep their place in the counter.
            "SELECT slot_start, count(*) FILTER (WHERE status = 'active'), "
            "count(*) FILTER (WHERE status IN ('active', 'held', 'used')) "
            "FROM bookings WHERE gate_id = %s AND direction = %s GROUP BY slot_start",
            (gate_id, DIRECTION),
        ).fetchall()
        counters = dict(
            conn.execute(
                "SELECT slot_start, booked FROM slot_counts WHERE gate_id = %s AND direction = %s",
                (gate_id, DIRECTION),
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


# --- part 4: the slot-release rush --------------------------------------------------------

RUSH_GATE = "chi-ma"
RUSH_CAPACITY = 40  # trucks per hour both sides declare at the rush gate: quota 30, 12 hours
RUSH_DRIVERS, RUSH_FORWARDERS = 190, 10
RUSH_COMPANY = "Vận tải Chi Lăng"
ACCOUNT_PASSWORD = "rush-at-midnight"  # accounts outside the demo need 10 characters or more
TRIPS_PER_ACCOUNT = 10
RUSH_REQUESTS = 2_000
# A forwarder's bot asks for trucks of the whole company fleet: colleagues' requests meet on
# the same truck (409), and one account could win more places than the rate limit allows. The
# bots fire the instant the day opens, so their requests lead the connections: with 300
# connections all 300 leave in the first wave, 30 at once from each forwarder.
FORWARDER_REQUESTS = 30
REFUSALS = frozenset({409, 429})
SIGN_IN_THREADS = 4  # each sign-in costs the server an argon2 check: keep both workers busy


@dataclass(frozen=True)
class RushRequest:
    """One booking request of the rush: who sends it, for which trip, at which slot."""

    username: str
    trip_id: uuid.UUID
    slot: datetime


def rush_accounts() -> list[NewUser]:
    """The drivers, and the forwarders of one company, who rush."""
    drivers = [
        NewUser(f"rush-driver-{n:03d}", ACCOUNT_PASSWORD, "driver", f"Tài xế {n:03d}")
        for n in range(RUSH_DRIVERS)
    ]
    forwarders = [
        NewUser(f"rush-forwarder-{n:02d}", ACCOUNT_PASSWORD, "forwarder", f"Điều độ {n:02d}",
                company=RUSH_COMPANY)
        for n in range(RUSH_FORWARDERS)
    ]  # fmt: skip
    return drivers + forwarders


def create_accounts(uow: UnitOfWork, accounts: list[NewUser]) -> None:
    """Create the accounts through the identity service, one after the other: each argon2
    hash already keeps every CPU busy for about a tenth of a second."""
    for new in accounts:
        identity.create_user(uow=uow, new=new)


def declare_rush_trips(
    uow: UnitOfWork, accounts: list[NewUser], arrival: datetime
) -> dict[str, list[uuid.UUID]]:
    """TRIPS_PER_ACCOUNT declared trips per account at the rush gate, each truck its own
    plate; returns username -> trip ids."""
    trips = {}
    for number, account in enumerate(accounts):
        actor = bench_actor(uow, account.username)
        first = number * TRIPS_PER_ACCOUNT
        items = [
            trip_to_book(RUSH_GATE, plate(index, "K"), arrival)
            for index in range(first, first + TRIPS_PER_ACCOUNT)
        ]
        outcome = declarations.declare_many(uow=uow, actor=actor, items=items)
        if outcome.failed:
            raise SystemExit(f"declaring {account.username}'s trips failed: {outcome.failed}")
        trips[account.username] = outcome.created
    return trips


def rush_requests(
    trips: dict[str, list[uuid.UUID]],
    forwarders: list[str],
    slots: list[datetime],
    rng: random.Random,
) -> list[RushRequest]:
    """RUSH_REQUESTS requests, each for a random slot of the day: first every forwarder's
    bot asks for FORWARDER_REQUESTS trucks of its company's fleet, then the drivers for their
    own trucks, one request a truck, shared out as evenly as the total allows; each group in
    random order."""
    fleet = [trip for name in forwarders for trip in trips[name]]
    bots = [(name, trip) for name in forwarders for trip in rng.sample(fleet, FORWARDER_REQUESTS)]
    drivers = [name for name in trips if name not in forwarders]
    # Truck by truck across the drivers, so that no driver asks for two more than another.
    own = [(name, trips[name][turn]) for turn in range(TRIPS_PER_ACCOUNT) for name in drivers]
    people = own[: RUSH_REQUESTS - len(bots)]
    rng.shuffle(bots)
    rng.shuffle(people)
    return [RushRequest(name, trip, rng.choice(slots)) for name, trip in bots + people]


def listed_quotas(base: str, day: date) -> dict[datetime, int]:
    """The rush day's slots and their quotas, as GET /api/v1/gates/{gate}/slots lists them."""
    answer = httpx.get(
        f"{base}/api/v1/gates/{RUSH_GATE}/slots",
        params={"date": day.isoformat(), "direction": DIRECTION},
        timeout=30,
    ).raise_for_status()
    return {datetime.fromisoformat(s["start"]): s["quota"] for s in answer.json()["slots"]}


def signed_in(base: str, usernames: list[str]) -> dict[str, dict[str, str]]:
    """Sign every account in once, with its right password (sign-in is throttled on
    failures); returns username -> Authorization headers."""
    headers: dict[str, dict[str, str]] = {}

    def sign_in(username: str) -> None:
        headers[username] = bearer(base, username, ACCOUNT_PASSWORD)

    each_in_threads(sign_in, usernames, SIGN_IN_THREADS)
    return headers


@dataclass
class RushFigures:
    """What the rush sent and got back, and what SQL found in the slots afterwards."""

    day: date
    connections: int
    requests: list[RushRequest]
    answers: list[Answer]  # in the order of `requests`
    quotas: dict[datetime, int]
    rate_limit: int  # the gate's bookings_per_minute, left at its default
    overbooked: list[str]
    miscounted: list[str]
    stored: int


def bench_rush(
    settings: Settings, connections: int, workers: int, rng: random.Random
) -> RushFigures:
    """Declare the accounts' trucks for the last whole day of the booking window, sign every
    account in, then release all booking requests at once; check the slots by SQL."""
    uow = bootstrap.unit_of_work(settings)
    rules = policy_services.gate_rules(uow=uow, gate_id=RUSH_GATE)
    today = utcnow().astimezone(VN_TZ).date()
    day = today + timedelta(days=rules.window_days - 1)
    accounts = rush_accounts()
    create_accounts(uow, accounts)
    arrival = datetime(day.year, day.month, day.day, 12, tzinfo=VN_TZ)
    trips = declare_rush_trips(uow, accounts, arrival)
    forwarders = [account.username for account in accounts if account.role == "forwarder"]
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_server(settings.database_url, Path(tmp) / "log", workers) as (base, _),
    ):
        quotas = listed_quotas(base, day)
        requests = rush_requests(trips, forwarders, sorted(quotas), rng)
        headers = signed_in(base, [account.username for account in accounts])
        posts = [
            Post("/api/v1/bookings", headers[r.username], booking_body(r.trip_id, r.slot))
            for r in requests
        ]
        answers = post_at_once(base, posts, connections)
    overbooked, miscounted, stored = check_slots(settings, RUSH_GATE, quotas)
    return RushFigures(
        day, connections, requests, answers, quotas, rules.bookings_per_minute, overbooked,
        miscounted, stored,
    )  # fmt: skip


def send_order(answers: list[Answer]) -> list[int]:
    """The requests' indexes, earliest sent first."""
    return sorted(range(len(answers)), key=lambda index: answers[index].sent)


def strictly_first_come(f: RushFigures, order: list[int], limit: float) -> set[int]:
    """The requests strict first come, first served would grant, taken in send order: a
    place while the slot has one left, the truck holds none yet and the account has won
    fewer than `limit`."""
    left = dict(f.quotas)
    booked: set[uuid.UUID] = set()
    won: Counter[str] = Counter()
    granted = set()
    for index in order:
        request = f.requests[index]
        free = left[request.slot] and request.trip_id not in booked
        if free and won[request.username] < limit:
            left[request.slot] -= 1
            booked.add(request.trip_id)
            won[request.username] += 1
            granted.add(index)
    return granted


def places_per_account(f: RushFigures, granted: set[int]) -> Counter[str]:
    """How many of the granted requests each account sent."""
    return Counter(f.requests[index].username for index in granted)


def won_places(f: RushFigures) -> set[int]:
    """The requests answered 201."""
    return {index for index, answer in enumerate(f.answers) if answer.status == 201}


def over_limit(f: RushFigures, granted: set[int]) -> dict[str, int]:
    """Accounts granted more places than the gate's bookings a minute, and how many."""
    per_account = places_per_account(f, granted)
    return {name: places for name, places in per_account.items() if places > f.rate_limit}


def early_half_shares(
    requests: list[RushRequest], order: list[int], granted: set[int]
) -> tuple[float, float]:
    """Of the places granted, the share the earliest half of the requests won (1.0 = first
    come first served, 0.5 = random); and the share of the earliest half whose truck got a
    place, by that request or another."""
    early = order[: len(order) // 2]
    booked = {requests[index].trip_id for index in granted}
    places = sum(index in granted for index in early) / len(granted) if granted else math.nan
    trucks = sum(requests[index].trip_id in booked for index in early) / len(early)
    return places, trucks


def status_column(answer: Answer) -> str:
    """An answer's column in the status table: 409s by their reason, read from the message."""
    if answer.status != 409:
        return str(answer.status) if answer.status in {201, 429} else "other"
    text = answer.body.decode(errors="replace")
    if "is full" in text:
        return "409 full"
    return "409 truck booked" if "already holds" in text else "409 other"


def rush_tables(f: RushFigures) -> tuple[Table, Table]:
    """Part 4's answers and latencies, then each target with its verdict."""
    statuses = Counter(answer.status for answer in f.answers)
    columns = Counter(status_column(answer) for answer in f.answers if answer.status)
    latencies = Latencies([answer.seconds for answer in f.answers if answer.status])
    burst = max(answer.sent + answer.seconds for answer in f.answers)
    answers = Table(
        title=f"Part 4: slot-release rush, {len(f.requests):,} POST /api/v1/bookings at once "
        f"({RUSH_GATE} {DIRECTION}, {f.day:%Y-%m-%d})",
        caption=f"{RUSH_DRIVERS} drivers and {RUSH_FORWARDERS} forwarders of one company, "
        f"{TRIPS_PER_ACCOUNT} trucks each; each forwarder's bot asks first, for "
        f"{FORWARDER_REQUESTS} of the company's trucks; {f.connections} connections opened "
        f"first, then released together; "
        f"the gate's default rules ({f.rate_limit} bookings a minute per account); the "
        f"server and the clients share {os.cpu_count()} CPUs",
    )
    heads = ("201", "409 full", "409 truck booked", "409 other", "429", "other")
    for column in ("requests", "places", *heads, "no answer", "seconds", "p50 ms", "p99 ms",
                   "max ms"):  # fmt: skip
        answers.add_column(column, justify="right")
    answers.add_row(
        f"{len(f.requests):,}", f"{sum(f.quotas.values()):,}",
        *(f"{columns[head]:,}" for head in heads), f"{statuses[0]:,}", f"{burst:.1f}",
        *(f"{latencies.percentile(p) * 1000:,.0f}" for p in (50, 99)),
        f"{max(latencies.samples) * 1000:,.0f}",
    )  # fmt: skip
    return answers, rush_targets(f, statuses, latencies, burst)


def rush_targets(
    f: RushFigures, statuses: Counter[int], latencies: Latencies, burst: float
) -> Table:
    """Each target of the rush with what was found and its verdict."""
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    odd = sum(n for status, n in statuses.items() if status not in {0, 201, *REFUSALS})
    won = won_places(f)
    table = Table(
        title="Part 4: the rush's targets (slots checked by SQL afterwards)",
        caption="strict = the same requests served one at a time in their send order under "
        "the gate's rules; no limit = the same without the rate limit, i.e. whether the rush "
        "could break it at all",
    )
    for column in ("check", "found", "target", "result"):
        table.add_column(column, justify="left" if column == "check" else "right")
    rows = [
        ("answers 5xx", f"{server_errors:,}", "0", verdict(not server_errors)),
        ("dropped connections (no answer)", f"{statuses[0]:,}", "0", verdict(not statuses[0])),
        ("refusals neither 409 nor 429 (5xx included)", f"{odd:,}", "0", verdict(not odd)),
        (f"slots holding more active bookings than their quota (of {len(f.quotas)})",
         str(len(f.overbooked)), "0", verdict(not f.overbooked)),
        ("slot counters differing from their bookings", str(len(f.miscounted)), "0",
         verdict(not f.miscounted)),
        ("bookings stored vs 201 answers", f"{f.stored:,} / {len(won):,}", "equal",
         verdict(f.stored == len(won))),
        rate_limit_row(f, won, burst),
        ("p99 latency", f"{latencies.percentile(99) * 1000:,.0f} ms", "printed", ""),
        *first_come_rows(f, won),
    ]  # fmt: skip
    for row in rows:
        table.add_row(*row)
    return table


def rate_limit_row(f: RushFigures, won: set[int], burst: float) -> tuple[str, ...]:
    """Accounts given more places in the burst than the gate's bookings a minute, beside how
    many strict first come, first served would give more with no limit."""
    over = over_limit(f, won)
    could = over_limit(f, strictly_first_come(f, send_order(f.answers), math.inf))
    most = max(places_per_account(f, won).values(), default=0)
    return (
        f"accounts given more than {f.rate_limit} places in the {burst:.0f} s burst (most "
        f"{most})",
        str(len(over)), f"0 ({len(could)} with no limit)", verdict(not over),
    )  # fmt: skip


def first_come_rows(f: RushFigures, won: set[int]) -> list[tuple[str, ...]]:
    """First come, first served, measured three ways beside what strict FCFS of the same
    requests in their send order (within the rate limit) would give."""
    order = send_order(f.answers)
    strict = strictly_first_come(f, order, f.rate_limit)
    places, trucks = early_half_shares(f.requests, order, won)
    strict_places, strict_trucks = early_half_shares(f.requests, order, strict)
    same = len(won & strict) / len(won) if won else math.nan
    return [
        ("places won by the earliest half of the requests", f"{places:.2f}",
         f"1.0 FCFS, 0.5 random (strict: {strict_places:.2f})", ""),
        ("earliest half's requests whose truck got a place", f"{trucks:.2f}",
         f"strict: {strict_trucks:.2f}", ""),
        ("places won by the very request strict FCFS grants", f"{same:.2f}", "strict: 1.00", ""),
    ]  # fmt: skip


def bench_rush_part(settings: Settings, args: argparse.Namespace, rng: random.Random) -> None:
    """Part 4 with its report: the tables, then a few answers and slots that went wrong."""
    rush = bench_rush(settings, args.rush_connections, args.workers, rng)
    for table in rush_tables(rush):
        console.print(table)
    odd = [answer for answer in rush.answers if answer.status not in {201, *REFUSALS}]
    samples = [f"{a.status}: {a.body[:300].decode(errors='replace')}" for a in odd[:3]]
    over = [f"{name}: {n} places" for name, n in over_limit(rush, won_places(rush)).items()]
    for line in (samples + rush.overbooked + rush.miscounted + over)[:10]:
        console.print(f"  [red]{line}[/]")


# --- entry point --------------------------------------------------------------------------


def sizes(text: str) -> list[int]:
    """'1000,100000' -> [1000, 100000]."""
    return [int(part) for part in text.split(",") if part.strip()]


PARTS = ("model", "services", "http", "rush")


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
        "--rush-connections", type=int, default=300,
        help="connections the rush's requests are released on together",
    )  # fmt: skip
    parser.add_argument(
        "--parts", type=parts, default=PARTS, help="which parts to run, e.g. services,http"
    )
    add_server_arguments(parser, clients=32, database=BENCH_DATABASE)
    return parser.parse_args()


def main() -> None:
    """Time the model, the use-cases and the HTTP bookings; print each figure by its target."""
    args = arguments()
    rng = random.Random(args.seed)
    console.print(banner("smartgate queue bench"))
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
    if not {"services", "http", "rush"} & set(args.parts):
        return
    settings = fresh_demo_database(args.server_url, BENCH_DATABASE)
    uow = bootstrap.unit_of_work(settings)
    console.print(f"prepared {make_url(settings.database_url).render_as_string()} (demo, VN)")
    declare_capacity(uow, QUEUE_GATE, 1_000, ALL_DAY)  # room to call every timed truck
    declare_capacity(uow, BOOKING_GATE, BOOKING_CAPACITY, BOOKING_HOURS)
    declare_capacity(uow, RUSH_GATE, RUSH_CAPACITY, BOOKING_HOURS)
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
    if "rush" in args.parts:
        bench_rush_part(settings, args, rng)
    console.print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def bench_http_part(settings: Settings, args: argparse.Namespace, rng: random.Random) -> None:
    """Part 3 with its report."""
    booked = bench_http(settings, args.bookings, args.clients, args.workers, rng)
    low, high = booked.rate_limit
    console.print(
        f"note: bookings_per_minute at {BOOKING_GATE} raised from {low} to {high:,} "
        f"(PUT /api/v1/gates/{BOOKING_GATE}/rules as {AUTHORITY}): one account per client "
        "makes every booking of the run"
    )
    for table in booking_tables(booked):
        console.print(table)
    for line in (booked.outcome.samples + booked.overbooked + booked.miscounted)[:10]:
        console.print(f"  [red]{line}[/]")


if __name__ == "__main__":
    main()
