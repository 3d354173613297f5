"""`smartgate serve`: the web pages and the API."""

import os

import typer
import uvicorn

from smartgate.bootstrap import prepare
from smartgate.cli.common import console
from smartgate.config import get_settings
from smartgate.identity.services import DEMO_PASSWORD, DEMO_USERS


def serve(
    demo: bool = typer.Option(False, "--demo", help="load gate pairs, demo users and sample trips"),
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535, help="port to listen on"),
) -> None:
    """Migrate the database and serve the web pages and API."""
    if demo:
        os.environ["SMARTGATE_DEMO"] = "1"
        get_settings.cache_clear()
    settings = get_settings()
    prepare(settings)
    if settings.demo:
        names = ", ".join(u.username for u in DEMO_USERS)
        console.print(f"demo users: {names} (password [bold]{DEMO_PASSWORD}[/bold])")
    console.print(f"smartgate ({settings.side}) on http://{host}:{port}  API docs: /docs")
    from smartgate.api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
