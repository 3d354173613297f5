"""A declaration's history in words: "Goods line 3: gross weight 500 kg, value 3,000 USD"
rather than the stored diff, in the reader's language."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.numbers import format_currency, format_decimal

from smartgate.declarations.schemas import DeclarationRead, HistoryRead
from smartgate.shared.clock import as_utc
from smartgate.shared.wording import Clock, Translate, Wording

# What each action did, as the history's "What" column says it.
ACTIONS = {
    "created": Wording("Trip declared"),
    "trip.amended": Wording("Trip changed"),
    "goods.added": Wording("Goods line {line} added"),
    "goods.amended": Wording("Goods line {line} changed"),
    "goods.removed": Wording("Goods line {line} removed"),
    "container.added": Wording("Container added"),
    "container.amended": Wording("Container corrected"),
    "container.removed": Wording("Container removed"),
    "status.changed": Wording("Status changed"),
}
FIELDS = {
    "hs_code": Wording("HS code {value}"),
    "description": Wording("description “{value}”"),
    "gross_kg": Wording("gross weight {value} kg"),
    "value": Wording("value {value}"),
    "currency": Wording("currency {value}"),
    "perishable": Wording("perishable: {value}"),
    "cold_chain": Wording("cold chain: {value}"),
    "production_input": Wording("production input / machinery: {value}"),
    "tractor_plate": Wording("tractor {value}"),
    "trailer_plate": Wording("trailer {value}"),
    "driver_name": Wording("driver {value}"),
    "driver_phone": Wording("driver phone {value}"),
    "delivery_mode": Wording("delivery mode: {value}"),
    "expected_arrival": Wording("expected arrival {value}"),
}
YES, NO, NONE = Wording("yes"), Wording("no"), Wording("none")


@dataclass(frozen=True)
class HistoryLine:
    """One change as a reader sees it."""

    at: datetime
    actor: str
    what: str
    before: str
    after: str


def history_lines(
    entries: list[HistoryRead], trip: DeclarationRead, lang: str, translate: Translate, clock: Clock
) -> list[HistoryLine]:
    """The history of `trip`, every change in words."""
    words = _Words(lang, translate, clock, {g.line_no: g.currency for g in trip.goods})
    return [words.line(entry) for entry in entries]


@dataclass
class _Words:
    lang: str
    translate: Translate
    clock: Clock
    currencies: dict[int, str]  # a line's currency, for a change of its value alone

    def line(self, entry: HistoryRead) -> HistoryLine:
        head, _, item = entry.path.partition(".")
        number = int(item) + (1 if head == "containers" else 0) if item.isdigit() else None
        action = ACTIONS.get(entry.action)
        what = self.worded(action, line=number) if action else self.translate(entry.action)
        if entry.action == "created":
            return HistoryLine(entry.at, entry.actor, what, "", self.created(entry.after))
        currency = self.currencies.get(number or 0, "")
        return HistoryLine(
            entry.at,
            entry.actor,
            what,
            self.values(entry.before, currency),
            self.values(entry.after, currency),
        )

    def worded(self, wording: Wording, **values: Any) -> str:
        return Wording(wording.text, **values).worded(self.translate, self.clock)

    def created(self, after: Any) -> str:
        # The whole declaration as it was made: the truck and each goods line in short.
        if not isinstance(after, dict):
            return ""
        parts = [self.values({"tractor_plate": after.get("tractor_plate")}, "")]
        for index, line in enumerate(after.get("goods") or []):
            short = {k: line.get(k) for k in ("hs_code", "gross_kg", "value", "currency")}
            goods = self.worded(Wording("Goods line {line}"), line=index + 1)
            parts.append(f"{goods}: {self.values(short, line.get('currency', ''))}")
        return "; ".join(p for p in parts if p)

    def values(self, change: Any, currency: str) -> str:
        if change is None:
            return ""
        if not isinstance(change, dict):  # a container number, a status
            return self.translate(str(change))
        currency = str(change.get("currency") or currency)
        shown = []
        for name, value in change.items():
            if name == "currency" and "value" in change:
                continue  # the value shows with it
            template = FIELDS.get(name)
            if template is None:
                shown.append(f"{name} {value}")
                continue
            shown.append(self.worded(template, value=self.value(name, value, currency)))
        return ", ".join(shown)

    def value(self, name: str, value: Any, currency: str) -> str:
        if value is None or value == "":
            return self.translate(NONE.text)
        if isinstance(value, bool):
            return self.translate((YES if value else NO).text)
        if name == "gross_kg":
            return format_decimal(value, format="#,##0.###", locale=self.lang)
        if name == "value":
            if currency:
                return format_currency(value, currency, locale=self.lang)
            return format_decimal(value, locale=self.lang)
        if name == "delivery_mode":
            return self.translate(str(value))
        if name == "expected_arrival":
            return self.clock(as_utc(datetime.fromisoformat(str(value))))
        return str(value)
