"""`smartgate users`: accounts and roles."""

import typer
from rich.table import Table

from smartgate.cli.common import administrator, console, settings, uow
from smartgate.identity import services
from smartgate.identity.services import NewUser

app = typer.Typer(no_args_is_help=True, help="Users and roles.")


def _password_option(help_text: str) -> str:
    return typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="SMARTGATE_NEW_PASSWORD",
        help=help_text,
    )


@app.command()
def create(
    username: str,
    role: str = typer.Option(
        ..., help="driver, forwarder, operator, camera (a gate's ANPR feed), authority or peer"
    ),
    full_name: str = typer.Option(..., "--name", help="the person's or office's name"),
    company: str | None = typer.Option(None, help="forwarder's company (required for them)"),
    gate: str | None = typer.Option(None, help="operator's or camera's gate, e.g. huu-nghi"),
    agency: str = typer.Option(
        "",
        help="operator's inspection agencies, e.g. customs,quarantine (customs, "
        "border_guard, quarantine)",
    ),
    password: str = _password_option("asked for, or read from SMARTGATE_NEW_PASSWORD"),
) -> None:
    """Create a user (the password is asked for, or read from SMARTGATE_NEW_PASSWORD)."""
    agencies = tuple(name.strip() for name in agency.split(",") if name.strip())
    new = NewUser(
        username, password, role, full_name, company=company, gate_id=gate, agencies=agencies
    )
    user = services.create_user(uow=uow(), new=new, demo=settings().demo, by=administrator())
    console.print(f"created {user.username} ({user.role})")


@app.command("list")
def list_users() -> None:
    """List users, their roles and whether they may sign in."""
    table = Table("username", "role", "name", "company", "gate", "agencies", "state")
    for user in services.list_users(uow=uow()):
        state = "on" if user.active else "disabled"
        table.add_row(
            user.username,
            user.role,
            user.full_name,
            user.company or "",
            user.gate_id or "",
            user.agencies.replace(",", ", "),
            f"{state}, demo" if user.demo else state,
        )
    console.print(table)


@app.command()
def disable(username: str) -> None:
    """Switch an account off: it can no longer sign in and its tokens stop working at once."""
    user = services.disable_user(
        uow=uow(), username=username, token_minutes=settings().token_minutes, by=administrator()
    )
    console.print(f"disabled {user.username}; its tokens no longer work")


@app.command("set-password")
def set_password(
    username: str,
    password: str = _password_option("asked for, or read from SMARTGATE_NEW_PASSWORD"),
) -> None:
    """Give an account a new password and switch it on; its earlier tokens stop working.
    Outside demo mode this also turns a demo account into a real one."""
    current = settings()
    user = services.set_password(
        uow=uow(),
        username=username,
        password=password,
        demo=current.demo,
        token_minutes=current.token_minutes,
        by=administrator(),
    )
    console.print(f"new password for {user.username}; earlier sign-ins ended")


@app.command()
def delete(username: str) -> None:
    """Delete an account that never declared or booked anything (else: disable it)."""
    services.delete_user(
        uow=uow(), username=username, token_minutes=settings().token_minutes, by=administrator()
    )
    console.print(f"deleted {username}; its tokens no longer work")
