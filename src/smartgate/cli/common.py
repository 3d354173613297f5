"""What the sub-commands share: settings, a unit of work, the console."""

from rich.console import Console

from smartgate.bootstrap import unit_of_work
from smartgate.config import Settings, get_settings
from smartgate.uow import UnitOfWork

console = Console(highlight=False)


def settings() -> Settings:
    """The environment's settings (validated)."""
    return get_settings()


def uow() -> UnitOfWork:
    """A unit of work on the configured database."""
    return unit_of_work(get_settings())
