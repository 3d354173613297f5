"""Words every context uses: goods flags, the queue's priority classes, delivery modes.
Written once here, so no context imports another's model for them."""

from typing import Literal

FLAGS = ("perishable", "cold_chain", "production_input")  # a goods line may carry these
# Classes a gate's rules may call first: "backlog" a truck earns by waiting, the rest by its goods.
PRIORITY_CLASSES = ("backlog", "production_input", "perishable", "cold_chain")

DeliveryMode = Literal["direct", "tractor_swap", "transshipment", "shuttle"]
DELIVERY_MODES: tuple[DeliveryMode, ...] = ("direct", "tractor_swap", "transshipment", "shuttle")
# Modes in which the driver never crosses the line: the green-zone modes.
CONTACTLESS_MODES: frozenset[str] = frozenset({"tractor_swap", "transshipment", "shuttle"})
# Quarantine inspects live animals and plant products: HS chapters 01-14, unless a gate's
# registry entry names its own.
QUARANTINE_CHAPTERS: tuple[str, ...] = tuple(f"{chapter:02d}" for chapter in range(1, 15))
