"""What the benchmarks share: a real `smartgate serve --demo` on the bench database."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def demo_server(database_url: str, log: Path) -> Iterator[tuple[str, int]]:
    """`smartgate serve --demo` on `database_url` in a subprocess; yields its URL and pid."""
    port = free_port()
    env = os.environ | {"SMARTGATE_DATABASE_URL": database_url, "SMARTGATE_SIDE": "VN"}
    command = [sys.executable, "-m", "smartgate.cli", "serve", "--demo", "--port", str(port)]
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
