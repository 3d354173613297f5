"""The `smartgate` command: one Typer sub-app per context, errors as one readable line."""

import sys

import typer
from pydantic import ValidationError
from rich.markup import escape
from sqlalchemy.exc import DBAPIError

from smartgate.cli import (
    consoles,
    db,
    declarations,
    demo_folder,
    exchange,
    policy,
    queue,
    registry,
    serve,
    simulate,
    tariffs,
    users,
)
from smartgate.shared.errors import DomainError
from smartgate.shared.validation import field_errors

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Smart border-gate platform for cross-border truck freight.",
)


@app.callback()
def _instance(ctx: typer.Context) -> None:
    # In the folder of `serve --demo` the other commands work on its demo database.
    if ctx.invoked_subcommand != "serve":
        demo_folder.adopt()


app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(registry.app, name="registry")
app.add_typer(declarations.app, name="declarations")
app.add_typer(simulate.app, name="simulate")
app.add_typer(policy.app, name="policy")
app.add_typer(queue.app, name="queue")
app.add_typer(tariffs.app, name="tariffs")
app.add_typer(exchange.keys_app, name="keys")
app.add_typer(exchange.peers_app, name="peers")
app.add_typer(exchange.exchange_app, name="exchange")

_err = consoles.console(stderr=True, highlight=False)


def main() -> None:
    """Entry point of the console script: user errors exit 1 with one line, no traceback."""
    try:
        app(standalone_mode=True)
    except DomainError as exc:
        _err.print("[red]error:[/red]", escape(str(exc)), soft_wrap=True)
        sys.exit(1)
    except ValidationError as exc:  # settings from the environment
        # A rule over several variables has no field of its own; its message names them.
        reasons = "; ".join(
            e.message if e.field == "body" else f"SMARTGATE_{e.field.upper()}: {e.message}"
            for e in field_errors(exc.errors())
        )
        _err.print("[red]configuration error:[/red]", escape(reasons), soft_wrap=True)
        sys.exit(2)
    except DBAPIError as exc:  # no database there, or one never migrated
        _err.print("[red]database error:[/red]", escape(_database_fault(exc)), soft_wrap=True)
        sys.exit(1)


def _database_fault(exc: DBAPIError) -> str:
    reason = (str(exc.orig).strip().splitlines() or ["unknown"])[0]
    if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
        return f"{reason}: run `smartgate db upgrade` first (SMARTGATE_DATABASE_URL names it)"
    return f"{reason} (check SMARTGATE_DATABASE_URL)"
