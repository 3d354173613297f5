"""`smartgate declarations`: bulk import from CSV."""

from pathlib import Path

import typer
from rich.progress import Progress

from smartgate.cli.common import acting_as, console, uow
from smartgate.declarations import csv_import, services
from smartgate.declarations.csv_import import RowError
from smartgate.shared.errors import DomainError

app = typer.Typer(no_args_is_help=True, help="Trip pre-declarations.")


@app.command("import")
def import_csv(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV file"),
    as_user: str = typer.Option(..., "--as", help="the driver or forwarder declaring"),
    partial: bool = typer.Option(False, "--partial", help="store the good trucks, skip bad ones"),
) -> None:
    """Declare many trucks from CSV; nothing is stored unless every row is good (or --partial)."""
    actor = acting_as(as_user)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        parsed = csv_import.parse(handle)
    errors = list(parsed.errors)
    if errors and not partial:
        _fail(errors, stored=0)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("declaring", total=len(parsed.trips))
        outcome = services.declare_many(
            uow=uow(),
            actor=actor,
            items=[t.declaration for t in parsed.trips if t.declaration],
            partial=partial,
            progress=lambda done: progress.update(task, completed=done),
        )
    for index, failure in outcome.failed.items():
        trip = parsed.trips[index]
        errors += [RowError(trip.line_of(e.field), e.field, e.message) for e in failure.errors]
    if errors and not partial:
        _fail(errors, stored=0)
    for error in sorted(errors, key=lambda e: e.line):
        console.print(f"[yellow]skipped[/yellow] {error}")
    console.print(f"declared {len(outcome.created)} trucks from {path.name}")


@app.command()
def template() -> None:
    """Print a CSV header with one example row."""
    print(csv_import.template(), end="")


def _fail(errors: list[RowError], *, stored: int) -> None:
    for error in sorted(errors, key=lambda e: e.line):
        console.print(f"[red]{error}[/red]")
    raise ImportRefused(
        f"{len(errors)} faults; stored {stored} declarations (use --partial to keep the good ones)"
    )


class ImportRefused(DomainError):
    """The file had faults and nothing was stored."""
