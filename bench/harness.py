"""What the benchmarks share: a real `smartgate serve --demo` on the bench database, and lean
concurrent clients to load it."""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TypeVar
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg import sql
from sqlalchemy import URL, make_url

from smartgate import bootstrap
from smartgate.config import Settings
from smartgate.identity.services import DEMO_PASSWORD

T = TypeVar("T")


DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def add_server_arguments(parser: argparse.ArgumentParser, *, clients: int, database: str) -> None:
    """The options every HTTP bench takes: server processes, clients, PostgreSQL server."""
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1,
        help="server processes (serve --workers); one per CPU, as the README advises for "
        "production",
    )  # fmt: skip
    parser.add_argument("--clients", type=int, default=clients, help="concurrent HTTP clients")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("SMARTGATE_BENCH_SERVER_URL", DEFAULT_SERVER),
        help=f"PostgreSQL server; the bench works in its database {database}",
    )


def conninfo(url: URL) -> str:
    """A libpq URL for psycopg, which knows no '+psycopg' driver suffix."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def fresh_demo_database(server_url: str, database: str) -> Settings:
    """Create `database` on the PostgreSQL server if missing, empty its schema, migrate and
    fill it with the demo gates and users; returns settings pointing at it."""
    url = make_url(server_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit(f"the bench needs PostgreSQL, not {url.drivername}")
    # CREATE DATABASE cannot run inside a transaction, hence autocommit.
    with psycopg.connect(conninfo(url.set(database="postgres")), autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if found.fetchone() is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    bench_url = url.set(database=database)
    with psycopg.connect(conninfo(bench_url), autocommit=True) as bench:
        # Dropping the schema also drops alembic_version, so the migration runs from scratch.
        bench.execute("DROP SCHEMA IF EXISTS public CASCADE")
        bench.execute("CREATE SCHEMA public")
    settings = Settings(
        database_url=bench_url.render_as_string(hide_password=False), demo=True, side="VN"
    )
    bootstrap.prepare(settings)
    return settings


def banner(title: str) -> str:
    """A bench's first line: its title, the CPUs and the load on them."""
    return (
        f"[bold]{title}[/] on {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
        "(other work on the machine slows every figure)"
    )


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo_server(
    database_url: str, log: Path, workers: int = 1, settings: Mapping[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """`smartgate serve --demo` on `database_url` in a subprocess, with any further settings
    as SMARTGATE_* environment variables; yields its URL and pid."""
    port = free_port()
    env = os.environ | {"SMARTGATE_DATABASE_URL": database_url, "SMARTGATE_SIDE": "VN"}
    env |= {f"SMARTGATE_{name.upper()}": value for name, value in (settings or {}).items()}
    command = [sys.executable, "-m", "smartgate.cli", "serve", "--demo", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    with log.open("w") as out:
        # Output goes to a file: an unread pipe would fill up and stall the server.
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, log)
        yield base, process.pid
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server, killing it if it does not stop within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Block until /healthz answers 200; fail with the server's log if it dies or hangs."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.1)
    raise SystemExit(f"server not healthy after 60 s:\n{log.read_text()}")


def bearer(base: str, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Authorization headers for a user (a demo user unless told the password), through the
    OAuth2 password flow."""
    answer = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"username": username, "password": password},
        timeout=30,
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process and its children (server workers) have used so
    far (Linux)."""
    return _cpu_seconds(lambda process, name, parent: str(pid) in (process, parent))


def postgres_cpu_seconds() -> float:
    """CPU seconds the local PostgreSQL processes (server and backends) have used so far; a
    backend that ends takes its share with it, so read this while the clients are connected."""
    return _cpu_seconds(lambda process, name, parent: name == "postgres")


def _cpu_seconds(wanted: Callable[[str, str, str], bool]) -> float:
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue  # the process ended while we looked
        fields = tail.split()
        if wanted(stat.parent.name, head.split("(", 1)[1], fields[1]):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


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


@dataclass(frozen=True)
class Post:
    """One request to send: a path, its headers and an encoded JSON body."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Outcome:
    """What the server answered, shared by the client threads."""

    expected: frozenset[int]  # statuses that are a normal answer, e.g. 201 and 409
    statuses: Counter[int] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # a few bodies of unexpected answers
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, body: bytes) -> None:
        """Count the status; keep the first few unexpected answers to show."""
        with self.lock:
            self.statuses[status] += 1
            if status not in self.expected and len(self.samples) < 3:
                self.samples.append(f"{status}: {body[:300].decode(errors='replace')}")

    @property
    def other(self) -> int:
        """Answers with an unexpected status."""
        return sum(n for status, n in self.statuses.items() if status not in self.expected)


def post_concurrently(
    base: str,
    posts: list[Post],
    clients: int,
    expected: frozenset[int],
    advance: Callable[[], None] = lambda: None,
) -> tuple[Outcome, float]:
    """POST every request from `clients` threads at once, each over one keep-alive
    connection; returns what came back and the seconds taken. The clients use the standard
    library's http.client: they share the CPUs with the server, and httpx cost them several
    times as much per request."""
    outcome = Outcome(expected)
    host, port = host_and_port(base)

    def post_share(share: list[Post]) -> None:
        _post_share(host, port, share, outcome, advance)

    return outcome, in_threads(post_share, posts, clients)


def in_threads(work: Callable[[list[T]], None], items: list[T], threads: int) -> float:
    """Share `items` out between `threads` threads running `work` on their share at once;
    returns the seconds until the last one finished."""
    running = [threading.Thread(target=work, args=(items[i::threads],)) for i in range(threads)]
    started = time.perf_counter()
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return time.perf_counter() - started


def each_in_threads(work: Callable[[T], None], items: list[T], threads: int) -> None:
    """Run `work` on every item from `threads` threads; the first failure stops the bench
    (a thread's exception would otherwise only be printed)."""
    failures: list[Exception] = []

    def work_share(share: list[T]) -> None:
        try:
            for item in share:
                work(item)
        except Exception as failure:  # stops the bench below, in the calling thread
            failures.append(failure)

    in_threads(work_share, items, threads)
    if failures:
        raise SystemExit(f"{work.__name__} failed: {failures[0]!r}")


def host_and_port(base: str) -> tuple[str, int]:
    """Where a server URL such as http://127.0.0.1:8000 listens."""
    address = urlsplit(base)
    return address.hostname or "127.0.0.1", address.port or 80


class Reply(NamedTuple):
    """What came back for one request: its status (0: no answer, the connection dropped),
    its body (or why none came) and its headers, names in lower case."""

    status: int
    body: bytes
    headers: Mapping[str, str]


class Client:
    """One keep-alive connection to the server, opened anew after the server dropped it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.connection = http.client.HTTPConnection(host, port, timeout=60)

    def open(self) -> None:
        """Connect now rather than on the first request."""
        # If it fails, the first request tries again and counts the failure as no answer.
        with suppress(OSError):
            self.connection.connect()

    def post(self, post: Post) -> Reply:
        """POST, a JSON body unless the headers say otherwise, and read the answer."""
        headers = {"Content-Type": "application/json"} | post.headers
        return self.send("POST", post.path, headers, post.body)

    def get(self, path: str, headers: dict[str, str]) -> Reply:
        """GET and read the answer."""
        return self.send("GET", path, headers, None)

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        """Send one request and read the answer, or say why none came (status 0)."""
        try:
            self.connection.request(method, path, body=body, headers=headers)
            answer = self.connection.getresponse()
            named = {name.lower(): value for name, value in answer.getheaders()}
            return Reply(answer.status, answer.read(), named)
        except (http.client.HTTPException, OSError) as failure:
            # The server dropped the connection (after a 500, say): count it, go on anew.
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            return Reply(0, f"no answer: {failure!r}".encode(), {})

    def close(self) -> None:
        self.connection.close()


def _post_share(
    host: str, port: int, posts: list[Post], outcome: Outcome, advance: Callable[[], None]
) -> None:
    client = Client(host, port)
    try:
        for post in posts:
            reply = client.post(post)
            outcome.record(reply.status, reply.body)
            advance()
    finally:
        client.close()


@dataclass(frozen=True)
class Answer:
    """One request of a burst: when it left (seconds after the release), its status (0: no
    answer, the connection dropped), the seconds until the answer was read, the body and the
    headers (names in lower case)."""

    sent: float
    status: int
    seconds: float
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


def post_at_once(base: str, posts: list[Post], connections: int) -> list[Answer]:
    """Open `connections` keep-alive connections first, then release every POST at once: a
    barrier lets all connections go together, each sending its share in turn. Returns the
    answers in the order of `posts`."""
    host, port = host_and_port(base)
    answers = [Answer(0.0, 0, 0.0, b"never sent")] * len(posts)  # each thread fills its share
    released: list[float] = []
    barrier = threading.Barrier(connections, action=lambda: released.append(time.perf_counter()))

    def send_share(indexes: list[int]) -> None:
        client = Client(host, port)
        client.open()
        try:
            barrier.wait()
            for index in indexes:
                sent = time.perf_counter()
                reply = client.post(posts[index])
                took = time.perf_counter() - sent
                answers[index] = Answer(
                    sent - released[0], reply.status, took, reply.body, reply.headers
                )
        finally:
            client.close()

    in_threads(send_share, list(range(len(posts))), connections)
    return answers
