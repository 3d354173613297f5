"""Each process keeps every gate's ordered queue in memory, checked against the database.

Ordering 100,000 waiting trucks from SQL on every call would cost a scan; the in-memory
`GateQueue` answers in O(log n). The database stays the truth: each change bumps a version in
`queue_state` under a write lock, and a board whose version does not match is rebuilt from the
rows, so several processes (or a restart) never act on a stale order.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from smartgate.policy.model import GateRules
from smartgate.queue.model import CallRules, GateQueue, Waiting, build_queue
from smartgate.queue.tables import QueueEntryRow, QueueStateRow
from smartgate.uow import UnitOfWork


@dataclass
class _Cached:
    version: int
    rules: CallRules
    queue: GateQueue


_boards: dict[tuple[str, str, str], _Cached] = {}
_locks: dict[tuple[str, str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def waiting(row: QueueEntryRow) -> Waiting:
    """The ordering view of a stored entry."""
    return Waiting(
        id=str(row.id),
        seq=row.seq,
        arrived_at=row.arrived_at,
        slot_start=row.slot_start,
        flags=frozenset(row.flags),
    )


def _key(uow: UnitOfWork, gate_id: str, direction: str) -> tuple[str, str, str]:
    return (str(uow.session.get_bind().engine.url), gate_id, direction)


def _lock(key: tuple[str, str, str]) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _current(
    uow: UnitOfWork,
    key: tuple[str, str, str],
    state: QueueStateRow | None,
    version: int,
    rules: CallRules,
    now: datetime,
) -> GateQueue:
    cached = _boards.get(key)
    if cached is not None and cached.version == version and cached.rules == rules:
        return cached.queue
    _, gate_id, direction = key
    rows = uow.queue.entries(gate_id, direction, ("waiting",))
    queue = build_queue((waiting(r) for r in rows), rules, now)
    queue.booked_since_live = state.booked_since_live if state else 0
    _boards[key] = _Cached(version, rules, queue)
    return queue


@contextmanager
def reading(uow: UnitOfWork, gate_id: str, direction: str, now: datetime) -> Iterator[GateQueue]:
    """The gate's queue as committed, for look-ups; do not change it."""
    key = _key(uow, gate_id, direction)
    state = uow.queue.state(gate_id, direction)
    rules = uow.policy.rules(gate_id).call_rules()
    with _lock(key):
        yield _current(uow, key, state, state.version if state else 0, rules, now)


@dataclass
class Board:
    """What a use-case changing the waiting area works on."""

    queue: GateQueue
    state: QueueStateRow
    rules: GateRules


@contextmanager
def editing(uow: UnitOfWork, gate_id: str, direction: str, now: datetime) -> Iterator[Board]:
    """Change the gate's queue together with its rows. The board leaves the cache while it is
    changed and returns only when the unit of work commits, so a rolled-back change never
    leaves a board that disagrees with the rows."""
    state = uow.queue.lock_state(gate_id, direction)
    rules = uow.policy.rules(gate_id)
    key = _key(uow, gate_id, direction)
    with _lock(key):
        queue = _current(uow, key, state, state.version - 1, rules.call_rules(), now)
        del _boards[key]
    yield Board(queue, state, rules)
    state.booked_since_live = queue.booked_since_live
    settled = _Cached(state.version, rules.call_rules(), queue)
    uow.after_commit(lambda: _boards.__setitem__(key, settled))


def forget_all() -> None:
    """Drop every cached board (after restoring a database, or between tests that roll back)."""
    _boards.clear()
