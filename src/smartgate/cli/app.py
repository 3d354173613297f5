"""The `smartgate` command: one Typer sub-app per context, errors as one readable line."""

import sys

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from smartgate.cli import (
    db,
    declarations,
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
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(registry.app, name="registry")
app.add_typer(declarations.app, name="declarations")
app.add_typer(simulate.app, name="simulate")
app.add_typer(policy.app, name="policy")
app.add_typer(queue.app, name="queue")
app.add_typer(tariffs.app, name="tariffs")

_err = Console(stderr=True, highlight=False)


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
