"""`smartgate policy`: the border authority's levers (capacity, suspensions, gate rules).

Options are checked by the same schemas as the API, so a bad value is one readable line
naming the option. Times are this instance's local time (`SMARTGATE_SIDE`) unless they carry
an offset.
"""

from datetime import date, datetime
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.table import Table

from smartgate.cli.common import acting_as, console, settings, uow
from smartgate.policy import services as policy_services
from smartgate.policy.schemas import (
    CapacityDay,
    CapacityIn,
    GateRulesIO,
    SuspensionIn,
    SuspensionRead,
)
from smartgate.shared.clock import SIDE_TZ, utcnow
from smartgate.shared.errors import DomainError
from smartgate.shared.validation import field_errors

app = typer.Typer(no_args_is_help=True, help="Capacity, suspensions and gate rules.")

Schema = TypeVar("Schema", bound=BaseModel)
AS_AUTHORITY = typer.Option(..., "--as", help="the border authority's user, e.g. authority-vn")


class BadOption(DomainError):
    """A command-line value the schemas refuse."""


@app.command()
def capacity(
    gate: str = typer.Argument(..., help="gate id, e.g. huu-nghi"),
    direction: str = typer.Option(..., help="export or import"),
    trucks_per_hour: int = typer.Option(..., help="trucks an hour this side can handle"),
    from_hour: int = typer.Option(..., help="first local hour, e.g. 7 for 07:00"),
    to_hour: int = typer.Option(..., help="local hour the range ends, e.g. 19"),
    side: str | None = typer.Option(None, help="VN or CN; default this instance's side"),
    lane: str = typer.Option("", help="one lane's code; default the whole gate"),
    day: str | None = typer.Option(None, help="only this local date (YYYY-MM-DD); default daily"),
    as_user: str = AS_AUTHORITY,
) -> None:
    """Declare one side's trucks per hour; bookings that no longer fit move to later hours."""
    data = parsed(
        CapacityIn, direction=direction, trucks_per_hour=trucks_per_hour, from_hour=from_hour,
        to_hour=to_hour, side=side, lane=lane, day=day,
    )  # fmt: skip
    actor = acting_as(as_user)
    own_side = settings().side
    declared = policy_services.declare_capacity(
        uow=uow(), actor=actor, gate_id=gate, data=data, own_side=own_side
    )
    console.print(capacity_table(declared, data.side or own_side))


@app.command("show-capacity")
def show_capacity(
    gate: str = typer.Argument(..., help="gate id, e.g. huu-nghi"),
    on: str | None = typer.Option(None, "--date", help="local date (YYYY-MM-DD); default today"),
    direction: str = typer.Option("export", help="export or import"),
) -> None:
    """Each hour's capacity as each side declared it, and what both can handle."""
    side = settings().side
    day = local_date(on, side)
    checked_direction(direction)
    found = policy_services.capacity_day(
        uow=uow(), gate_id=gate, direction=direction, day=day, side=side
    )
    console.print(capacity_table(found, side))


@app.command()
def suspend(
    reason: str = typer.Option(..., help="why, as drivers and forwarders will read it"),
    gate: str | None = typer.Option(None, help="gate id; default every gate"),
    direction: str | None = typer.Option(None, help="export or import; default both"),
    hs: list[str] = typer.Option([], "--hs", help="HS code prefix (2-6 digits); repeatable"),
    flag: list[str] = typer.Option(
        [], "--flag", help="perishable, cold_chain or production_input; repeatable"
    ),
    starts: str | None = typer.Option(None, help="e.g. 2026-11-25T08:00; default now"),
    ends: str | None = typer.Option(None, help="e.g. 2026-11-26T08:00; default until lifted"),
    as_user: str = AS_AUTHORITY,
) -> None:
    """Stop some traffic: affected bookings and waiting trucks are held with the reason."""
    side = settings().side
    data = parsed(
        SuspensionIn,
        reason=reason,
        gate_id=gate,
        direction=direction,
        hs_prefixes=hs,
        flags=flag,
        starts_at=moment(starts, "--starts", side),
        ends_at=moment(ends, "--ends", side),
    )
    actor = acting_as(as_user)
    made = policy_services.suspend(uow=uow(), actor=actor, data=data)
    console.print(f"suspension {made.id}: {made.reason}")
    console.print(suspensions_table([made], side))


@app.command("suspensions")
def list_suspensions(
    gate: str | None = typer.Option(None, help="gate id; default every gate"),
    everything: bool = typer.Option(False, "--all", help="include ended suspensions"),
) -> None:
    """Suspensions in force or to come (or all with --all)."""
    found = policy_services.suspensions(uow=uow(), gate_id=gate, current_only=not everything)
    console.print(suspensions_table(found, settings().side))


@app.command()
def lift(
    suspension_id: int = typer.Argument(..., metavar="ID", help="the suspension's number"),
    as_user: str = AS_AUTHORITY,
) -> None:
    """End a suspension now: held trucks go back to their old places, in order."""
    actor = acting_as(as_user)
    ended = policy_services.lift(uow=uow(), actor=actor, suspension_id=suspension_id)
    console.print(
        f"lifted suspension {ended.id} ({ended.reason}) at {local(ended.ends_at, settings().side)}"
    )


@app.command()
def rules(gate: str = typer.Argument(..., help="gate id, e.g. huu-nghi")) -> None:
    """A gate's queue and booking rules."""
    console.print(rules_table(gate, policy_services.gate_rules(uow=uow(), gate_id=gate)))


@app.command("set-rules")
def set_rules(
    gate: str = typer.Argument(..., help="gate id, e.g. huu-nghi"),
    priority: str | None = typer.Option(
        None, help="classes called first, in order, e.g. backlog,production_input ('' for none)"
    ),
    backlog_hours: float | None = typer.Option(None, help="waiting longer makes a truck backlog"),
    live_every: int | None = typer.Option(None, help="one live-queue truck per this many booked"),
    green_zone: bool | None = typer.Option(
        None, "--green-zone/--no-green-zone", help="only contactless delivery; drivers stay"
    ),
    booking_share: float | None = typer.Option(None, help="share of hourly capacity bookable"),
    window_days: int | None = typer.Option(None, help="how many days ahead slots open"),
    no_show_minutes: int | None = typer.Option(None, help="minutes a called truck has to come"),
    no_show_limit: int | None = typer.Option(None, help="no-shows before booking is blocked"),
    no_show_block_days: int | None = typer.Option(None, help="days a no-show counts"),
    cancel_limit: int | None = typer.Option(None, help="cancellations a day before a pause"),
    rebook_cooldown_minutes: int | None = typer.Option(None, help="length of that pause"),
    max_reschedules: int | None = typer.Option(None, help="moves allowed per booking"),
    bookings_per_minute: int | None = typer.Option(None, help="bookings per account a minute"),
    declaration_valid_hours: int | None = typer.Option(
        None, help="hours after expected arrival a trip may book or join the line"
    ),
    as_user: str = AS_AUTHORITY,
) -> None:
    """Change some of a gate's rules; the waiting area re-orders at once."""
    given = {
        "backlog_hours": backlog_hours,
        "live_every": live_every,
        "green_zone": green_zone,
        "booking_share": booking_share,
        "window_days": window_days,
        "no_show_minutes": no_show_minutes,
        "no_show_limit": no_show_limit,
        "no_show_block_days": no_show_block_days,
        "cancel_limit": cancel_limit,
        "rebook_cooldown_minutes": rebook_cooldown_minutes,
        "max_reschedules": max_reschedules,
        "bookings_per_minute": bookings_per_minute,
        "declaration_valid_hours": declaration_valid_hours,
    }
    changes: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if priority is not None:
        changes["priority_order"] = [p.strip() for p in priority.split(",") if p.strip()]
    if not changes:
        raise BadOption("nothing to change: give at least one rule option (see --help)")
    actor = acting_as(as_user)
    current = policy_services.gate_rules(uow=uow(), gate_id=gate)
    data = parsed(GateRulesIO, **(current.model_dump() | changes))
    saved = policy_services.set_gate_rules(uow=uow(), actor=actor, gate_id=gate, data=data)
    console.print(rules_table(gate, saved, changed=set(changes)))


# --- options in, local times out (`smartgate queue` shares these) ------------------------


def parsed(schema: type[Schema], **options: Any) -> Schema:
    """The options as the service's input, or one line naming the options at fault."""
    try:
        return schema.model_validate(options)
    except ValidationError as exc:
        faults = [
            e.message if e.field == "body" else f"{option_for(e.field)}: {e.message}"
            for e in field_errors(exc.errors())
        ]
        raise BadOption("; ".join(faults)) from None


# Schema fields whose option has another name; the rest are the field with dashes.
OPTIONS = {
    "gate_id": "--gate",
    "hs_prefixes": "--hs",
    "flags": "--flag",
    "starts_at": "--starts",
    "ends_at": "--ends",
    "priority_order": "--priority",
}


def option_for(field: str) -> str:
    """The option a schema field came from: `hs_prefixes.1` -> `--hs`."""
    name = field.split(".")[0]
    return OPTIONS.get(name, f"--{name.replace('_', '-')}")


def checked_direction(direction: str) -> None:
    """Refuse a direction the gates do not have."""
    if direction not in ("export", "import"):
        raise BadOption(f"--direction: must be export or import, not {direction!r}")


def local(moment: datetime | None, side: str) -> str:
    """A stored UTC moment as this side's local date and time."""
    return "" if moment is None else f"{moment.astimezone(SIDE_TZ[side]):%Y-%m-%d %H:%M}"


def moment(text: str | None, option: str, side: str) -> datetime | None:
    """An ISO date and time; without an offset it is this side's local time."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadOption(f"{option}: not a date and time like 2026-11-25T08:00") from None
    return value if value.tzinfo else value.replace(tzinfo=SIDE_TZ[side])


def local_date(text: str | None, side: str) -> date:
    """A YYYY-MM-DD date, or today on this side's clock."""
    if text is None:
        return utcnow().astimezone(SIDE_TZ[side]).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadOption(f"--date: not a date like 2026-11-25: {text!r}") from None


def shown_rule(value: object) -> str:
    """A rule's value as people write it: lists comma-separated, switches as yes / no."""
    if isinstance(value, list):
        return ", ".join(value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# --- tables -------------------------------------------------------------------------------


def capacity_table(day: CapacityDay, side: str) -> Table:
    """A day's hours with each side's figure and the effective capacity (closed hours show 0)."""
    table = Table("hour", title=f"{day.gate_id} {day.direction} on {day.day}")
    for column in ("VN", "CN", "effective"):
        table.add_column(column, justify="right")
    table.caption = f"trucks per hour, {side} time; —: that side declared nothing"
    for hour in day.hours:
        table.add_row(
            f"{hour.start.astimezone(SIDE_TZ[side]):%H:%M}",
            "—" if hour.vn is None else str(hour.vn),
            "—" if hour.cn is None else str(hour.cn),
            str(hour.effective),
        )
    return table


def suspensions_table(found: list[SuspensionRead], side: str) -> Table:
    """Suspensions with what they cover and when."""
    table = Table("id", "gate", "direction", "goods", "from", "until", "reason", "by")
    table.caption = f"times on {side} time" if found else "no suspensions"
    for row in found:
        goods = ", ".join([*(f"HS {p}*" for p in row.hs_prefixes), *row.flags]) or "all"
        until = local(row.ends_at, side) or "lifted"
        by = row.created_by + (f", lifted by {row.lifted_by}" if row.lifted_by else "")
        table.add_row(
            str(row.id), row.gate_id or "all", row.direction or "both", goods,
            local(row.starts_at, side), until, row.reason, by,
        )  # fmt: skip
    return table


def rules_table(gate: str, found: GateRulesIO, changed: set[str] | None = None) -> Table:
    """Each rule and its value; the ones just changed are marked."""
    table = Table("rule", "value", "", title=f"rules at {gate}")
    for name, value in found.model_dump().items():
        shown = shown_rule(value)
        table.add_row(name.replace("_", "-"), shown, "changed" if name in (changed or ()) else "")
    return table
