"""What the sub-commands share: settings, a unit of work, the console."""

import getpass

from smartgate.bootstrap import unit_of_work
from smartgate.cli import consoles
from smartgate.config import Settings, get_settings
from smartgate.identity.services import actor_for_username
from smartgate.shared.actor import Actor
from smartgate.uow import UnitOfWork

console = consoles.console(highlight=False)


def settings() -> Settings:
    """The environment's settings (validated)."""
    return get_settings()


def uow() -> UnitOfWork:
    """A unit of work on the configured database."""
    return unit_of_work(get_settings())


def acting_as(username: str) -> Actor:
    """The user named by --as, if they may act on this instance now (a demo account only in
    demo mode)."""
    return actor_for_username(uow=uow(), username=username, demo_mode=get_settings().demo)


def administrator() -> str:
    """Who ran this command, as the audit log names them: accounts and peers are set up on the
    server, by whoever administers it."""
    try:
        return f"{getpass.getuser()} (cli)"
    except (KeyError, OSError):  # no login name in a bare container
        return "administrator (cli)"
