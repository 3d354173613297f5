"""`smartgate declarations`: bulk import from CSV."""

import io
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import Progress

from smartgate.cli.common import acting_as, console, uow
from smartgate.declarations import csv_import, services
from smartgate.declarations.csv_import import RowError
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import DomainError

app = typer.Typer(no_args_is_help=True, help="Trip pre-declarations.")


@app.command("import")
def import_csv(
    path: Path = typer.Argument(..., metavar="FILE", help="CSV file"),
    as_user: str = typer.Option(..., "--as", help="the driver or forwarder declaring"),
    partial: bool = typer.Option(False, "--partial", help="store the good trucks, skip bad ones"),
) -> None:
    """Declare many trucks from CSV: every row is checked first and every fault is listed;
    nothing is stored unless every row is good (or --partial), and all in one transaction."""
    text = _read(path)
    actor = acting_as(as_user)
    with _progress() as progress:
        checking = progress.add_task("checking", total=None)
        parsed = csv_import.parse(io.StringIO(text, newline=""))
        trips = parsed.trips
        progress.update(checking, total=len(trips))
        faults = services.check_many(
            uow=uow(),
            actor=actor,
            items=[t.checkable for t in trips],
            progress=lambda done: progress.update(checking, completed=done),
        )
    errors = parsed.errors + [e for i, f in faults.items() for e in trips[i].faults(f)]
    if errors and not partial:
        _fail(errors, stored=0)
    good = [t for i, t in enumerate(trips) if t.declaration and i not in faults]
    with _progress() as progress:
        declaring = progress.add_task("declaring", total=len(good))
        outcome = services.declare_many(
            uow=uow(),
            actor=actor,
            items=[t.declaration for t in good if t.declaration],
            partial=partial,
            progress=lambda done: progress.update(declaring, completed=done),
        )
    # The rules run again as the trucks are stored: a gate may have changed in between.
    late = [e for i, f in outcome.failed.items() for e in good[i].faults(f.errors)]
    if late and not partial:
        _fail(late, stored=0)
    for error in sorted(errors + late, key=lambda e: e.line):
        console.print(f"[yellow]skipped[/yellow] {escape(str(error))}")
    console.print(f"declared {len(outcome.created)} trucks from {escape(path.name)}")


@app.command()
def template() -> None:
    """Print a CSV header with one example row (arriving tomorrow, so it imports as it is)."""
    print(csv_import.template(utcnow()), end="")


def _progress() -> Progress:
    # Drawn on a terminal only: piped output stays the faults and the summary.
    return Progress(console=console, transient=True, disable=not console.is_terminal)


def _read(path: Path) -> str:
    """The file's text, or one line saying why it cannot be read."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ImportRefused(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportRefused(f"{path}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise ImportRefused(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    except OSError as exc:
        raise ImportRefused(f"{path}: {exc.strerror}") from None


def _fail(errors: list[RowError], *, stored: int) -> None:
    for error in sorted(errors, key=lambda e: e.line):
        console.print(f"[red]{escape(str(error))}[/red]")
    raise ImportRefused(
        f"{len(errors)} faults on {len({e.line for e in errors})} lines; stored {stored} "
        "declarations (use --partial to keep the good ones)"
    )


class ImportRefused(DomainError):
    """The file had faults, or could not be read, and nothing was stored."""
