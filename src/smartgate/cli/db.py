"""`smartgate db`: schema migrations."""

import typer

from smartgate import migrate
from smartgate.cli.common import console, settings

app = typer.Typer(no_args_is_help=True, help="Database schema.")


@app.command()
def upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Migrate the database to the latest schema (or REVISION)."""
    url = settings().database_url
    migrate.upgrade(url, revision=revision)
    console.print(f"database at revision [bold]{migrate.current(url)}[/bold]")


@app.command()
def current() -> None:
    """Show the database's schema revision."""
    console.print(migrate.current(settings().database_url) or "empty database")
