"""`smartgate serve`: the web pages and the API."""

import os

import typer
import uvicorn

from smartgate.bootstrap import prepare
from smartgate.cli import demo_folder
from smartgate.cli.common import console
from smartgate.config import get_settings
from smartgate.identity.services import DEMO_PASSWORD, DEMO_USERS


def serve(
    demo: bool = typer.Option(False, "--demo", help="load gate pairs, demo users and sample trips"),
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535, help="port to listen on"),
    workers: int = typer.Option(
        1, min=1, max=64, help="server processes; each keeps its own copy of the waiting areas"
    ),
) -> None:
    """Migrate the database and serve the web pages and API."""
    if demo:
        os.environ["SMARTGATE_DEMO"] = "1"
        get_settings.cache_clear()
    settings = get_settings()
    prepare(settings)
    # The other commands run in this folder find the demo database (see demo_folder).
    (demo_folder.mark if settings.demo else demo_folder.unmark)(settings.database_url)
    if settings.demo:
        names = ", ".join(u.username for u in DEMO_USERS)
        console.print(f"demo users: {names} (password [bold]{DEMO_PASSWORD}[/bold])")
    console.print(f"smartgate ({settings.side}) on http://{host}:{port}  API docs: /docs")
    # Client addresses (which sign-in throttling counts by) and the scheme (which decides
    # Secure cookies) come from X-Forwarded-* only when a trusted proxy sent them.
    options = {
        "host": host,
        "port": port,
        "log_level": "info",
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
    }
    if workers == 1:
        from smartgate.api.app import create_app

        uvicorn.run(create_app(settings), **options)
        return
    # Each worker process builds its app from the same environment.
    uvicorn.run("smartgate.api.app:create_app", factory=True, workers=workers, **options)
