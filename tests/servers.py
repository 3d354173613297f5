"""Real smartgate servers in subprocesses on free 127.0.0.1 ports, and databases for them."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, text


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running instance and how to reach it."""

    url: str
    process: subprocess.Popen
    env: dict[str, str]  # the server's, as the CLI on its machine would have it

    def token(self, username: str, password: str = "demo") -> str:
        """A bearer token for a demo user."""
        answer = httpx.post(
            f"{self.url}/api/v1/auth/token", data={"username": username, "password": password}
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def client(self, username: str | None = None) -> httpx.Client:
        """An HTTP client, signed in as `username` when given."""
        headers = {"Authorization": f"Bearer {self.token(username)}"} if username else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """`smartgate ARGS` on this server's database and settings, as its administrator
        would run it there."""
        return subprocess.run(
            [sys.executable, "-m", "smartgate.cli", *args], env=self.env | env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def add_user(self, username: str, role: str, name: str, password: str, *more: str) -> None:
        """Create a user in this server's database with the CLI."""
        made = self.cli(
            "users", "create", username, "--role", role, "--name", name, *more,
            SMARTGATE_NEW_PASSWORD=password,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr

    def stop(self) -> None:
        """Stop the server and wait for it."""
        self.process.terminate()
        self.process.wait(timeout=20)

    def kill(self) -> None:
        """SIGKILL the server and its workers at once (its process group), as a power cut
        would; nothing of it runs when this returns."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)


@contextmanager
def fresh_postgres_database(base_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on the PostgreSQL server of `base_url`; dropped after."""
    server = create_engine(base_url, isolation_level="AUTOCOMMIT")
    url = make_url(base_url).set(database=name)
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def start_server(
    workdir: Path,
    *,
    demo: bool = True,
    side: str = "VN",
    workers: int = 1,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Server:
    """`smartgate serve` (with `--demo` unless told) on `database_url` (a fresh SQLite file
    when not given), with `env` on top of this process's environment, on `port` (a free one
    when not given: a restarted server keeps its address); returns once /healthz answers.
    The server leads its own process group, so `Server.kill` ends its workers too."""
    port = port or free_port()
    env = os.environ | {
        "SMARTGATE_DATABASE_URL": database_url or f"sqlite:///{workdir / 'smartgate.db'}",
        "SMARTGATE_SIDE": side,
        "SMARTGATE_DEMO": "1" if demo else "0",
    } | (env or {})  # fmt: skip
    log = (workdir / "server.log").open("a")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smartgate.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],  # fmt: skip
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError((workdir / "server.log").read_text())
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, process, env)
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"server did not answer within 30 s: {(workdir / 'server.log').read_text()}")
