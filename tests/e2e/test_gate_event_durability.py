"""Killing the server (SIGKILL to it and its workers) in the middle of a stream of camera reads
on PostgreSQL loses no read it acknowledged and stores none twice: after a restart the
cameras send everything again, the reads stored before the kill answer 200, the others 201,
and no truck is checked in twice."""

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from conftest import PG_ENV, pg_url

from factories import arrival, container, declaration, plate
from servers import Server, fresh_postgres_database, start_server

GATE = "huu-nghi"
POINT, STEP = "waiting_area_in", "trip.waiting"
TRUCKS, STRANGERS, FRAMES = 40, 20, 5  # declared trucks, unknown plates, reads of each passage
CLIENTS, WORKERS = 6, 2
KILL_AFTER = 100  # acknowledgements before the kill: about a third of the 300 reads
Key = tuple[str, str]  # (camera_id, event_id)


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL database of its own, dropped after the test."""
    base = pg_url()
    if base is None:
        pytest.skip(f"killing a server mid-stream is tested on PostgreSQL: set {PG_ENV}")
    with fresh_postgres_database(base, f"{make_url(base).database}_durability") as url:
        yield url


def _declare_trucks(server: Server) -> None:
    with server.client("driver1") as driver:
        for n in range(TRUCKS):
            made = driver.post(
                "/api/v1/declarations",
                json=declaration(
                    tractor_plate=_plate(n), containers=[container(n)], expected_arrival=arrival(1)
                ),
            )
            assert made.status_code == 201, made.text


def _plate(n: int) -> str:
    # No two plates one character apart, so that each exact read is plainly of one truck.
    return plate(1000 + 37 * n)


def _camera_events(rng: random.Random) -> list[dict[str, object]]:
    """Every passage's reads by two cameras, declared trucks and strangers, shuffled; each
    passage a minute after the last, so no two trucks' reads are taken for one passage."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    plates = [_plate(n) for n in range(TRUCKS)] + [f"29H-{n:03d}.77" for n in range(STRANGERS)]
    events = [
        {
            "event_id": f"{n}-{frame}",
            "camera_id": f"entrance-{frame % 2}",
            "gate_id": GATE,
            "point": POINT,
            "lane": None,
            "at": (start + timedelta(minutes=n, milliseconds=200 * frame)).isoformat(),
            "plate": text_read,
            "confidence": 0.93,
            "containers": [],
        }
        for n, text_read in enumerate(plates)
        for frame in range(FRAMES)
    ]
    rng.shuffle(events)
    return events


def _key(event: dict[str, object]) -> Key:
    return str(event["camera_id"]), str(event["event_id"])


@dataclass
class Answers:
    """What the cameras' posts came back with, filled in as the answers arrive."""

    statuses: dict[Key, int | None] = field(default_factory=dict)  # None: no answer came
    odd: list[str] = field(default_factory=list)  # answers other than 200 and 201

    def acknowledged(self) -> set[Key]:
        """The reads the server said it stored."""
        return {key for key, status in self.statuses.items() if status in (200, 201)}

    def with_status(self, status: int) -> set[Key]:
        """The reads answered `status`."""
        return {key for key, found in self.statuses.items() if found == status}


def _send(
    server: Server, events: list[dict[str, object]], answered: Callable[[int | None], None]
) -> tuple[list[threading.Thread], Answers]:
    """Start CLIENTS cameras posting their share of `events`, each over its own connection;
    returns the threads and the answers they fill in."""
    headers = {"Authorization": f"Bearer {server.token('camera-huunghi')}"}
    answers = Answers()

    def post_share(share: list[dict[str, object]]) -> None:
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
            for event in share:
                try:
                    answer = http.post("/api/v1/gate-events", json=event)
                except httpx.TransportError:  # the server died before or while answering
                    status = None
                else:
                    status = answer.status_code
                    if status not in (200, 201):
                        answers.odd.append(f"{status} {answer.text[:300]}")
                answers.statuses[_key(event)] = status
                answered(status)

    threads = [
        threading.Thread(target=post_share, args=(events[i::CLIENTS],)) for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    return threads, answers


def _stream_and_kill(server: Server, events: list[dict[str, object]]) -> Answers:
    """Send the stream and SIGKILL the server once KILL_AFTER reads were acknowledged."""
    acknowledged, lock, due = 0, threading.Lock(), threading.Event()

    def answered(status: int | None) -> None:
        nonlocal acknowledged
        with lock:
            acknowledged += status in (200, 201)
            if acknowledged >= KILL_AFTER:
                due.set()

    threads, answers = _send(server, events, answered)
    while not due.wait(0.01) and any(thread.is_alive() for thread in threads):
        pass
    server.kill()
    for thread in threads:
        thread.join()
    return answers


def _send_all(server: Server, events: list[dict[str, object]]) -> Answers:
    threads, answers = _send(server, events, lambda status: None)
    for thread in threads:
        thread.join()
    return answers


def _wait_for_dead_connections(engine: Engine) -> None:
    # PostgreSQL finishes what the killed server's connections were doing (a COMMIT already
    # sent still lands) and then notices they are gone; until then the database may change.
    for _ in range(600):
        with engine.connect() as conn:
            left = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        if left == 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"{left} connections of the killed server still open after 30 s")


def _stored(conn: Connection) -> Counter[Key]:
    """How many times each (camera_id, event_id) is stored."""
    rows = conn.execute(
        text("SELECT camera_id, event_id FROM gate_events WHERE gate_id = :gate"), {"gate": GATE}
    )
    return Counter((camera, event) for camera, event in rows)


def _check_trips(conn: Connection) -> dict[str, int]:
    """Each trip moved at most once, and every trip a stored read matched moved exactly once
    (the read and the move commit together); returns the steps per trip."""
    steps = dict(
        conn.execute(
            text(
                "SELECT declaration_id::text, count(*) FROM audit_log"
                " WHERE action = :step GROUP BY declaration_id"
            ),
            {"step": STEP},
        ).all()
    )
    assert {trip: n for trip, n in steps.items() if n > 1} == {}, "a trip moved twice"
    lines = dict(
        conn.execute(
            text("SELECT declaration_id::text, count(*) FROM queue_entries GROUP BY declaration_id")
        ).all()
    )
    assert {trip: n for trip, n in lines.items() if n > 1} == {}, "a truck joined the line twice"
    matched = conn.execute(
        text(
            "SELECT DISTINCT e.declaration_id::text, d.status FROM gate_events e"
            " JOIN declarations d ON d.id = e.declaration_id WHERE e.status = 'matched'"
        )
    ).all()
    assert [(trip, status) for trip, status in matched if status != "waiting"] == []
    assert {trip for trip, _ in matched} <= set(steps)
    return steps


def test_a_killed_server_loses_no_acknowledged_read_and_stores_none_twice(
    database_url: str, tmp_path: Path
) -> None:
    events = _camera_events(random.Random(7))
    every = {_key(event) for event in events}
    assert len(every) == len(events)
    engine = create_engine(database_url, poolclass=NullPool)
    (tmp_path / "first").mkdir()
    first = start_server(tmp_path / "first", database_url=database_url, workers=WORKERS)
    try:
        _declare_trucks(first)
        before = _stream_and_kill(first, events)
    finally:
        if first.process.poll() is None:
            first.kill()
    assert before.statuses.keys() == every, "a camera thread stopped early"
    # Sent once each, a read answered at all was new: 201, and nothing else, acknowledges it.
    assert before.odd == [] and before.with_status(200) == set()
    acknowledged = before.acknowledged()
    # The kill came in the middle of the stream: some reads were answered, some were not.
    assert 0 < len(acknowledged) < len(events)

    _wait_for_dead_connections(engine)
    with engine.connect() as conn:
        kept = _stored(conn)
        _check_trips(conn)
    assert acknowledged - kept.keys() == set(), "acknowledged reads lost"
    assert {key: n for key, n in kept.items() if n > 1} == {}, "reads stored twice"

    (tmp_path / "second").mkdir()
    second = start_server(tmp_path / "second", database_url=database_url, workers=WORKERS)
    try:
        again = _send_all(second, events)
    finally:
        second.stop()
    # The cameras sent everything again: what was stored is a repeat, the rest is new.
    assert again.odd == [] and again.statuses.keys() == every
    assert again.with_status(200) == kept.keys()
    assert again.with_status(201) == every - kept.keys()

    with engine.connect() as conn:
        stored = _stored(conn)
        steps = _check_trips(conn)
    engine.dispose()
    assert stored == Counter(every), "after the retries, each read is stored exactly once"
    # Every declared truck's passage was read in the end: each checked in, once.
    assert len(steps) == TRUCKS and set(steps.values()) == {1}
