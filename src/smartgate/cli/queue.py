"""`smartgate queue`: the waiting area's board and the public wait times."""

import typer
from rich.table import Table

from smartgate.cli.common import acting_as, console, settings, uow
from smartgate.cli.policy import checked_direction, local
from smartgate.queue import waiting_area
from smartgate.queue.schemas import QueueBoard
from smartgate.registry import services as registry

app = typer.Typer(no_args_is_help=True, help="The waiting areas: who is next, how long to wait.")


@app.command()
def board(
    gate: str = typer.Argument(..., help="gate id, e.g. huu-nghi"),
    direction: str = typer.Option("export", help="export or import"),
    limit: int = typer.Option(20, help="how many of the next trucks to show"),
    as_user: str = typer.Option(
        ..., "--as", help="an operator of the gate or an authority, e.g. operator-huunghi"
    ),
) -> None:
    """The next trucks in call order, with position and ETA, and the trucks called."""
    checked_direction(direction)
    registry.get_gate(uow=uow(), gate_id=gate)  # an unknown gate is an error, not an empty board
    actor = acting_as(as_user)
    found = waiting_area.board(
        uow=uow(), actor=actor, gate_id=gate, direction=direction, limit=limit
    )
    side = settings().side
    console.print(
        f"{gate} {direction}: {found.waiting} waiting, {found.held} held, "
        f"{len(found.called)} called; pace {found.pace_per_hour:g} trucks/h"
    )
    console.print(next_up_table(found, side))
    for entry in found.called:
        console.print(f"called: {entry.plate} at {local(entry.called_at, side)}")


@app.command("wait-times")
def wait_times() -> None:
    """Expected wait per gate and direction, as the public feed gives it."""
    side = settings().side
    rows = waiting_area.wait_times(uow=uow())
    table = Table("gate", "direction", "trucks waiting", "expected wait", "lanes open")
    table.title = f"wait times at {local(rows[0].update_time, side)} ({side} time)" if rows else ""
    table.caption = "expected wait for a truck arriving now, at the current pace"
    for row in rows:
        wait = "—" if row.delay_minutes is None else f"{row.delay_minutes} min"
        table.add_row(
            f"{row.gate_id} ({row.gate_name_vi})", row.direction, str(row.trucks_waiting), wait,
            str(row.lanes_open),
        )  # fmt: skip
    console.print(table)


def next_up_table(found: QueueBoard, side: str) -> Table:
    """The head of the line: position, plate, lane, arrival, booked slot and ETA."""
    table = Table("position", "plate", "lane", "arrived", "slot", "ETA")
    table.caption = f"times on {side} time; lanes: " + ", ".join(
        f"{lane} {count}" for lane, count in found.lanes.items()
    )
    for entry in found.next_up:
        table.add_row(
            str(entry.position), entry.plate, entry.lane or "", local(entry.arrived_at, side),
            local(entry.slot_start, side), local(entry.eta, side),
        )  # fmt: skip
    return table
