"""`smartgate users`: accounts and roles."""

import typer
from rich.table import Table

from smartgate.cli.common import console, settings, uow
from smartgate.identity import services
from smartgate.identity.services import NewUser

app = typer.Typer(no_args_is_help=True, help="Users and roles.")


@app.command()
def create(
    username: str,
    role: str = typer.Option(..., help="driver, forwarder, operator, authority or peer"),
    full_name: str = typer.Option(..., "--name", help="the person's or office's name"),
    company: str | None = typer.Option(None, help="forwarder's company"),
    gate: str | None = typer.Option(None, help="operator's gate, e.g. huu-nghi"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="SMARTGATE_NEW_PASSWORD"
    ),
) -> None:
    """Create a user (the password is asked for, or read from SMARTGATE_NEW_PASSWORD)."""
    new = NewUser(username, password, role, full_name, company=company, gate_id=gate)
    user = services.create_user(uow=uow(), new=new, demo=settings().demo)
    console.print(f"created {user.username} ({user.role})")


@app.command("list")
def list_users() -> None:
    """List users and their roles."""
    table = Table("username", "role", "name", "company", "gate")
    for user in services.list_users(uow=uow()):
        table.add_row(
            user.username, user.role, user.full_name, user.company or "", user.gate_id or ""
        )
    console.print(table)
