"""Each process keeps every gate's waiting area in memory, checked against the database.

Ordering 100,000 waiting trucks from SQL on every call would cost a scan; the in-memory
`GateQueue` answers in O(log n). Beside it the board keeps what every call and look-up needs:
the gate's rules, capacity and suspensions, and the recent calls (for the pace and the hourly
cap), so a look-up reads one version number and a call reads no policy table at all.

The database stays the truth: each change bumps a version in `queue_state` under a write lock
and logs, in `queue_changes`, which entries it touched. A board behind the stored version (the
change came from another process) re-reads just those entries; one the log no longer reaches,
or one that does not exist yet (a restart), is built from all the rows. So several processes
never act on a stale board, and none reads 100,000 rows because another one called a truck.
Policy changes go through `editing(..., fresh_policy=True)` and so bump the version too;
bookings, which need the policy but not the line, read it alone through `policy_of`.
"""

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from sortedcontainers import SortedList
from sqlalchemy.orm import sessionmaker

from smartgate.policy.model import GatePolicy
from smartgate.queue.area import CALL_MEMORY_HOURS, WaitingArea
from smartgate.queue.model import Waiting, build_queue, call_rules
from smartgate.queue.repository import QueueState
from smartgate.queue.tables import QueueEntryRow
from smartgate.uow import UnitOfWork

CALL_MEMORY = timedelta(hours=CALL_MEMORY_HOURS)
FOLLOW_AT_MOST = 5_000  # entries a change may touch for other processes to follow it


@dataclass
class Board(WaitingArea):
    """A waiting area as this process holds it, following the stored rows."""

    synced_at: datetime | None = None  # when holds last matched the suspensions
    touched: set[str] = field(default_factory=set)  # entries changed in this version

    def take_touched(self) -> set[str]:
        """The entries changed since the last time, forgetting them."""
        touched, self.touched = self.touched, set()
        return touched

    def follow(self, entry: QueueEntryRow, now: datetime) -> None:
        """Match one entry as another process left it; applying it twice changes nothing."""
        entry_id = str(entry.id)
        if entry_id in self.queue:
            self.queue.remove(entry_id)
        if entry.status == "waiting":
            self.queue.add(as_waiting(entry), now)
        if entry.called_at is not None and entry.called_at >= now - CALL_MEMORY:
            self.remember_call(entry_id, entry.called_at)
        if entry.status == "called" and entry.called_at is not None:
            self.called[entry_id] = entry.called_at
        else:
            self.called.pop(entry_id, None)

    def _touch(self, truck_id: str) -> None:
        self.touched.add(truck_id)


Key = tuple[str, str, str]  # database URL, gate, direction


@dataclass
class _Cached:
    version: int
    board: Board


class BoardCache:
    """One process's boards and policies for the units of work of one session factory (an
    app's, a CLI command's, a test's). Use-cases reach it only through `reading`, `editing`
    and `policy_of`, which check every entry against the stored version first; a test that
    rolls back starts from a new factory, and so from an empty cache."""

    def __init__(self) -> None:
        self.boards: dict[Key, _Cached] = {}
        self.policies: dict[Key, tuple[int, GatePolicy]] = {}
        self._locks: dict[Key, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, key: Key) -> threading.Lock:
        """The lock that serialises this process's work on one gate direction's board."""
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def forget(self) -> None:
        """Drop every board and policy, as a restarted process starts (they are rebuilt from
        the rows on next use)."""
        self.boards.clear()
        self.policies.clear()


_caches: WeakKeyDictionary[sessionmaker, BoardCache] = WeakKeyDictionary()
_caches_guard = threading.Lock()


def cache_of(uow: UnitOfWork) -> BoardCache:
    """The cache of the unit of work's session factory."""
    with _caches_guard:
        found = _caches.get(uow.session_factory)
        if found is None:
            found = _caches[uow.session_factory] = BoardCache()
        return found


def as_waiting(row: QueueEntryRow) -> Waiting:
    """The ordering view of a stored entry."""
    return Waiting(
        id=str(row.id),
        seq=row.seq,
        arrived_at=row.arrived_at,
        slot_start=row.slot_start,
        flags=frozenset(row.flags),
    )


def _key(uow: UnitOfWork, gate_id: str, direction: str) -> Key:
    return (uow.database, gate_id, direction)


def policy_of(uow: UnitOfWork, gate_id: str, direction: str) -> GatePolicy:
    """The gate's policy for one direction as committed: one version read while it stands."""
    key = _key(uow, gate_id, direction)
    return _policy(uow, key, uow.queue.state(gate_id, direction).version)


def _policy(uow: UnitOfWork, key: Key, version: int) -> GatePolicy:
    policies = cache_of(uow).policies
    cached = policies.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    if cached is not None and cached[0] < version and _policy_kept(uow, key, cached[0], version):
        policy = cached[1]  # the line moved in another process; the policy did not
    else:
        policy = _load_policy(uow, key)
    policies[key] = (version, policy)
    return policy


def _policy_kept(uow: UnitOfWork, key: Key, after: int, upto: int) -> bool:
    # One look at the change log instead of reading rules, capacity and suspensions again.
    _, gate_id, direction = key
    logged, changed = uow.queue.policy_changes_between(gate_id, direction, after, upto)
    return logged == upto - after and not changed


def _load_policy(uow: UnitOfWork, key: Key) -> GatePolicy:
    _, gate_id, direction = key
    return GatePolicy(
        uow.policy.rules(gate_id),
        tuple(uow.policy.capacity(gate_id, direction)),
        tuple(s for s in uow.policy.stops(gate_id) if s.scope.direction in (None, direction)),
    )


def _built(
    uow: UnitOfWork, key: Key, policy: GatePolicy, synced_at: datetime | None, booked: int,
    now: datetime,
) -> Board:  # fmt: skip
    _, gate_id, direction = key
    rows = uow.queue.entries(gate_id, direction, ("waiting",))
    queue = build_queue((as_waiting(r) for r in rows), call_rules(policy.rules), now)
    queue.booked_since_live = booked
    calls = SortedList(uow.queue.calls_since(gate_id, direction, now - CALL_MEMORY))
    called = {str(i): at for i, at in uow.queue.called_now(gate_id, direction)}
    return Board(queue, policy, calls, called, synced_at=synced_at)


def _current(
    uow: UnitOfWork, key: Key, version: int, synced_at: datetime | None, booked: int,
    now: datetime,
) -> Board:  # fmt: skip
    # Only committed versions are cached: `version` is the one the database holds.
    cache = cache_of(uow)
    cached = cache.boards.get(key)
    if cached is not None and cached.version == version:
        return cached.board
    board = None
    if cached is not None and cached.version < version:
        del cache.boards[key]  # back only once it is whole: a failure half-way leaves none
        board = _caught_up(uow, key, cached, version, now)
    if board is None:
        board = _built(uow, key, _policy(uow, key, version), synced_at, booked, now)
    board.queue.booked_since_live, board.synced_at = booked, synced_at
    cache.boards[key] = _Cached(version, board)
    cache.policies[key] = (version, board.policy)
    return board


def _caught_up(
    uow: UnitOfWork, key: Key, cached: _Cached, version: int, now: datetime
) -> Board | None:
    # The cached board brought to `version` through the change log; None when the log no
    # longer reaches back to it or the call order changed (then only a rebuild will do).
    _, gate_id, direction = key
    changes = uow.queue.changes_between(gate_id, direction, cached.version, version)
    if [c.version for c in changes] != list(range(cached.version + 1, version + 1)):
        return None
    if any(c.entry_ids is None for c in changes):
        return None
    board = cached.board
    if any(c.policy for c in changes):
        policy = _policy(uow, key, version)
        if call_rules(policy.rules) != call_rules(board.rules):
            return None
        board.policy = policy
    touched = {uuid.UUID(i) for c in changes for i in c.entry_ids}
    for entry in uow.queue.entries_by_ids(sorted(touched)):
        board.follow(entry, now)
    return board


@contextmanager
def reading(uow: UnitOfWork, gate_id: str, direction: str, now: datetime) -> Iterator[Board]:
    """The gate's board as committed, for look-ups; do not change it."""
    key = _key(uow, gate_id, direction)
    state = uow.queue.state(gate_id, direction)
    with cache_of(uow).lock(key):
        yield _current(uow, key, state.version, state.synced_at, state.booked_since_live, now)


@contextmanager
def editing(
    uow: UnitOfWork, gate_id: str, direction: str, now: datetime, *, fresh_policy: bool = False
) -> Iterator[Board]:
    """Change the gate's board together with its rows; `fresh_policy` re-reads rules, capacity
    and suspensions (after the caller changed them). The board leaves the cache while it is
    changed and returns only when the unit of work commits, so a rolled-back change never
    leaves a board that disagrees with the rows."""
    state = uow.queue.lock_state(gate_id, direction)
    key = _key(uow, gate_id, direction)
    cache = cache_of(uow)
    with cache.lock(key):
        board = _current(uow, key, state.version - 1, state.synced_at, state.booked_since_live, now)
        del cache.boards[key]
    if fresh_policy:
        board = _with_fresh_policy(uow, key, board, now)
    try:
        yield board
    except BaseException:
        if not fresh_policy and _untouched(board, state):
            # A refusal (the hour is full, the truck is already in line) changed nothing:
            # the board still matches the committed rows, so it need not be built again.
            with cache.lock(key):
                cache.boards[key] = _Cached(state.version - 1, board)
        raise
    kept = QueueState(state.version, board.synced_at, board.queue.booked_since_live)
    if kept != state:
        uow.queue.save_state(gate_id, direction, kept)
    touched = board.take_touched()
    # Past a few thousand entries (a suspension over a whole gate) a rebuild is as quick as
    # reading them back, and the log row stays small: None tells other processes to rebuild.
    listed = touched if len(touched) <= FOLLOW_AT_MOST else None
    uow.queue.log_change(gate_id, direction, state.version, fresh_policy, listed)
    settled = _Cached(state.version, board)

    def settle() -> None:
        cache.boards[key] = settled
        cache.policies[key] = (settled.version, board.policy)

    uow.after_commit(settle)


def _untouched(board: Board, state: QueueState) -> bool:
    kept = (board.synced_at, board.queue.booked_since_live)
    return not board.touched and kept == (state.synced_at, state.booked_since_live)


def _with_fresh_policy(uow: UnitOfWork, key: Key, board: Board, now: datetime) -> Board:
    # Read in this unit of work and cached only once it commits.
    policy = _load_policy(uow, key)
    if call_rules(policy.rules) != call_rules(board.rules):  # a new call order: sort afresh
        return _built(uow, key, policy, board.synced_at, board.queue.booked_since_live, now)
    board.policy = policy
    return board
