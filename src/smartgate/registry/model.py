"""Pure registry rules: directions, delivery modes, opening hours, permitted goods."""

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Literal

from smartgate.shared.clock import as_utc
from smartgate.shared.terms import QUARANTINE_CHAPTERS

Direction = Literal["export", "import"]
DIRECTIONS: tuple[Direction, ...] = ("export", "import")


GATE_TYPES = ("international", "main", "bilateral", "secondary", "opening")


def opposite(direction: Direction) -> Direction:
    """Export on one side is import on the other."""
    return "import" if direction == "export" else "export"


def hs_permitted(hs_code: str, prefixes: list[str] | set[str] | tuple[str, ...]) -> bool:
    """True when some permitted prefix (2 to 6 digits) starts the 6-digit code."""
    return any(hs_code.startswith(prefix) for prefix in prefixes)


def is_open(open_utc: time, close_utc: time, at: datetime) -> bool:
    """True when `at` falls inside the daily window; windows may wrap past midnight UTC."""
    moment = as_utc(at).time().replace(tzinfo=None)
    if open_utc == close_utc:
        return True  # open around the clock
    if open_utc < close_utc:
        return open_utc <= moment < close_utc
    return moment >= open_utc or moment < close_utc


def local_time_of_day(utc_time: time, tz: tzinfo) -> time:
    """A UTC time of day as seen on a clock in `tz` (both sides keep no daylight saving)."""
    anchor = datetime(2024, 1, 1, utc_time.hour, utc_time.minute, tzinfo=UTC)
    return anchor.astimezone(tz).time().replace(tzinfo=None)


def utc_time_of_day(local: time, tz: tzinfo) -> time:
    """A local clock time in `tz` as a UTC time of day."""
    moment = datetime(2024, 1, 1, local.hour, local.minute, tzinfo=tz)
    offset = moment.utcoffset() or timedelta(0)
    return (datetime(2024, 1, 1, local.hour, local.minute) - offset).time()


def quarantine_chapters(listed: Sequence[str] | None) -> tuple[str, ...]:
    """The HS chapters quarantine inspects at a gate: those its registry entry lists, else
    the usual 01-14 (live animals and plant products)."""
    return tuple(listed) if listed else QUARANTINE_CHAPTERS
