"""Real smartgate servers in subprocesses on free 127.0.0.1 ports."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


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
    env: dict[str, str]

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

    def stop(self) -> None:
        """Stop the server and wait for it."""
        self.process.terminate()
        self.process.wait(timeout=20)


def start_demo_server(workdir: Path, *, side: str = "VN", workers: int = 1) -> Server:
    """`smartgate serve --demo` on a fresh SQLite file; returns once /healthz answers."""
    port = free_port()
    env = os.environ | {
        "SMARTGATE_DATABASE_URL": f"sqlite:///{workdir / 'smartgate.db'}",
        "SMARTGATE_SIDE": side,
    }
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smartgate.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],  # fmt: skip
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
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
