"""The folder where `smartgate serve --demo` runs: the other commands there use its database.

`serve --demo` leaves a marker beside its SQLite file (`smartgate.db.demo`). A command other
than `serve`, run with neither SMARTGATE_DEMO nor SMARTGATE_SECRET_KEY set, on a database with
that marker, runs in demo mode as the server does. Nothing else ever reads the marker: `serve`
without --demo never turns demo mode on by itself (so no server signs with the published demo
key unasked), and it removes the marker, so a database once served for real is never again
treated as a demo one.
"""

import os
from collections.abc import MutableMapping
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from smartgate.config import Settings, get_settings

MARKER_SUFFIX = ".demo"
_NOTE = "written by `smartgate serve --demo`: commands run here use this demo database\n"


def marker_for(database_url: str) -> Path | None:
    """Where the demo marker of a SQLite database file lives; None for other databases."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return None
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(f"{url.database}{MARKER_SUFFIX}")


def mark(database_url: str) -> None:
    """Record that this database is served in demo mode."""
    marker = marker_for(database_url)
    if marker is not None:
        marker.write_text(_NOTE, encoding="utf-8")


def unmark(database_url: str) -> None:
    """Record that this database is served for real: no command treats it as a demo one."""
    marker = marker_for(database_url)
    if marker is not None:
        marker.unlink(missing_ok=True)


def adopt(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Turn demo mode on for this process when the configured database is a marked demo one
    and the environment chose no mode or secret of its own; True when it did."""
    given = {name.upper(): value for name, value in environ.items()}  # as Settings reads them
    if "SMARTGATE_DEMO" in given or given.get("SMARTGATE_SECRET_KEY"):
        return False
    url = given.get("SMARTGATE_DATABASE_URL") or Settings.model_fields["database_url"].default
    marker = marker_for(url)
    if marker is None or not marker.is_file() or not marker.with_suffix("").is_file():
        return False
    environ["SMARTGATE_DEMO"] = "1"
    get_settings.cache_clear()
    return True
