"""The trips list's search and filters as query-string fields: plate, gate, direction,
status and arrival day, and the page of the list; each link keeps the others."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from smartgate.declarations.repository import DeclarationFilter
from smartgate.registry.model import DIRECTIONS
from smartgate.shared.lifecycle import TRIP_TRANSITIONS

PAGE_SIZE = 25
MAX_PAGE = 10_000
FIELDS = ("plate", "gate", "direction", "status", "day")


@dataclass(frozen=True)
class TripQuery:
    """What the reader asked the list for; values that mean nothing are left out."""

    values: dict[str, str] = field(default_factory=dict)
    page: int = 1

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * PAGE_SIZE

    @property
    def narrowed(self) -> bool:
        """Whether any filter is set (an empty list then says "no match", not "no trips")."""
        return bool(self.values)

    def link(self, page: int) -> str:
        """The list's URL at `page`, with the same filters."""
        query = self.values | ({"page": str(page)} if page > 1 else {})
        return "/trips" + (f"?{urlencode(query)}" if query else "")

    def filters(self, tz: tzinfo) -> DeclarationFilter:
        """The repository's filter; the day is the gate side's local day."""
        day = self.values.get("day")
        start = datetime.combine(date.fromisoformat(day), time(), tzinfo=tz) if day else None
        return DeclarationFilter(
            gate_id=self.values.get("gate"),
            direction=self.values.get("direction"),
            status=self.values.get("status"),
            plate_part=self.values.get("plate"),
            arriving_from=start,
            arriving_to=start + timedelta(days=1) if start else None,
        )


def trip_query(params: Any, gates: set[str]) -> TripQuery:
    """The query from the URL's fields: unknown gates, directions and statuses, and days
    that are no date, are dropped rather than refused (a link stays usable)."""
    raw = {name: str(params.get(name, "")).strip() for name in FIELDS}
    allowed = {"gate": gates, "direction": set(DIRECTIONS), "status": set(TRIP_TRANSITIONS)}
    values = {}
    for name, value in raw.items():
        if not value:
            continue
        if name in allowed and value not in allowed[name]:
            continue
        if name == "day" and not _is_date(value):
            continue
        values[name] = value[:20]
    return TripQuery(values, _page(str(params.get("page", ""))))


def page_count(total: int) -> int:
    """How many pages `total` trips fill (at least one)."""
    return max(1, -(-total // PAGE_SIZE))


def _page(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        return 1
    return min(max(int(text), 1), MAX_PAGE)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
