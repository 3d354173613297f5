"""`smartgate tariffs`: the fee a gate charges per trip, as its authority sets it."""

import tomllib
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from smartgate.cli.common import acting_as, console, uow
from smartgate.operations import services
from smartgate.operations.schemas import TariffRead
from smartgate.shared.errors import FieldError, ValidationFailed

app = typer.Typer(no_args_is_help=True, help="Border-gate fees per trip.")
AS_AUTHORITY = typer.Option(..., "--as", help="the border authority's user, e.g. authority-vn")


@app.command()
def show(gate: str = typer.Argument(..., help="gate id, e.g. huu-nghi")) -> None:
    """The gate's tariff: weight bands and factors, and who set it."""
    print_tariff(services.gate_tariff(uow=uow(), gate_id=gate))


@app.command("set")
def set_tariff(
    gate: str = typer.Argument(..., help="gate id, e.g. huu-nghi"),
    file: Path = typer.Argument(..., help="a TOML file with the gate's tables (as [default])"),
    as_user: str = AS_AUTHORITY,
) -> None:
    """Set the gate's tariff from a TOML file: the keys it gives (currency, round_to, bands,
    goods, directions, delivery_modes) replace the shipped default's."""
    try:
        tables = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationFailed([FieldError(str(file), f"cannot be read: {exc.strerror}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed([FieldError(str(file), f"is not valid TOML: {exc}")]) from None
    actor = acting_as(as_user)
    print_tariff(services.set_tariff(uow=uow(), actor=actor, gate_id=gate, sections=tables))


@app.command()
def reset(
    gate: str = typer.Argument(..., help="gate id, e.g. huu-nghi"), as_user: str = AS_AUTHORITY
) -> None:
    """Go back to the shipped tariff for the gate."""
    actor = acting_as(as_user)
    print_tariff(services.set_tariff(uow=uow(), actor=actor, gate_id=gate, sections=None))


def print_tariff(tariff: TariffRead) -> None:
    """The tariff's bands and factors as tables."""
    tables = tariff.tables
    by = (
        f", by {tariff.updated_by} at {tariff.updated_at:%Y-%m-%d %H:%M} UTC"
        if tariff.updated_at
        else ""
    )
    money = f"{tables['currency']}, rounded to {tables['round_to']:,}"
    console.print(f"{tariff.gate_id}: {tariff.source} tariff{by}; {money}")
    bands = Table("vehicle below (t)", f"fee ({tables['currency']})")
    for band in tables["bands"]:
        below = band.get("below_t")
        bands.add_row("any heavier" if below is None else f"{below:g}", f"{band['fee']:,}")
    console.print(bands)
    factors = Table("factor for", "", "×")
    for prefix, category in tables["goods"].items():
        label = escape(category["label"])
        factors.add_row("goods", f"HS {prefix} {label}", f"{category['factor']:g}")
    for section in ("directions", "delivery_modes"):
        for name, factor in tables[section].items():
            factors.add_row(section.removesuffix("s").replace("_", " "), name, f"{factor:g}")
    console.print(factors)
