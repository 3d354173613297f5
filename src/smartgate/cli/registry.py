"""`smartgate registry`: gate pairs and HS codes."""

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from smartgate.cli.common import console, settings, uow
from smartgate.registry import services

app = typer.Typer(no_args_is_help=True, help="Gate pairs, lanes, yards and permitted goods.")


@app.command()
def load(
    path: Path = typer.Argument(..., help="gate document (TOML), like the shipped one"),
) -> None:
    """Load or replace gate pairs from a TOML document, all or nothing."""
    ids = services.load_gates(
        uow=uow(), document=services.read_document(path), side=settings().side
    )
    console.print(f"loaded {len(ids)} gate pairs: {', '.join(ids)}")


@app.command()
def gates() -> None:
    """List gate pairs with lanes, yards and opening hours (local time)."""
    table = Table("id", "Việt Nam", "中国", "type", "lanes", "yard trucks", "hours (VN)")
    for gate in services.list_gates(uow=uow()):
        hours = gate.opening_hours.vn
        table.add_row(
            gate.id,
            gate.name_vi,
            gate.name_zh,
            gate.gate_type,
            str(len(gate.lanes)),
            str(sum(y.capacity_trucks for y in gate.yards)),
            f"{hours.opens:%H:%M}–{hours.closes:%H:%M}",
        )
    console.print(table)


@app.command()
def hs(query: str = typer.Argument(..., help="code prefix or words, e.g. durian")) -> None:
    """Search the HS 2022 nomenclature (nothing found is not an error: exit 0, as for every
    listing)."""
    found = services.search_hs(query).items
    if not found:
        console.print(f"no HS 2022 code or description matches {escape(repr(query))}")
        return
    table = Table("code", "description", "tiếng Việt", "中文")
    for entry in found:
        table.add_row(entry.code, entry.description, entry.names_vi, entry.names_zh)
    console.print(table)
