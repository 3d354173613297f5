"""What every context tells the audit log: one event, so the log is written in one place (the
operations context) and in the unit of work of the change itself."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Changed:
    """Something a gate runs on changed: a booking, a place in line, capacity, a suspension,
    the rules, the tariff, a user. `before` and `after` are JSON-ready values."""

    subject: str  # booking, queue_entry, capacity, suspension, rules, tariff, user
    subject_id: str
    action: str  # e.g. booking.moved, capacity.declared, user.disabled
    actor: str
    at: datetime
    gate_id: str | None = None
    declaration_id: uuid.UUID | None = None
    before: Any = None
    after: Any = None
    reason: str | None = None
