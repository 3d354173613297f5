"""What the benchmarks share: a real `smartgate serve --demo` on the bench database, and lean
concurrent clients to load it."""

import argparse
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

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


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo_server(database_url: str, log: Path, workers: int = 1) -> Iterator[tuple[str, int]]:
    """`smartgate serve --demo` on `database_url` in a subprocess; yields its URL and pid."""
    port = free_port()
    env = os.environ | {"SMARTGATE_DATABASE_URL": database_url, "SMARTGATE_SIDE": "VN"}
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
    address = urlsplit(base)

    def post_share(share: list[Post]) -> None:
        _post_share(address.hostname or "127.0.0.1", address.port or 80, share, outcome, advance)

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


def _post_share(
    host: str, port: int, posts: list[Post], outcome: Outcome, advance: Callable[[], None]
) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        for post in posts:
            headers = post.headers | {"Content-Type": "application/json"}
            try:
                connection.request("POST", post.path, body=post.body, headers=headers)
                answer = connection.getresponse()
                outcome.record(answer.status, answer.read())
            except (http.client.HTTPException, OSError) as failure:
                # The server dropped the connection (after a 500, say): count it, go on anew.
                outcome.record(0, f"no answer: {failure!r}".encode())
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
            advance()
    finally:
        connection.close()
