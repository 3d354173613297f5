"""Discrete-event kernel: a clock and a heap of (time, seq, callback, arg) entries.

Plain callbacks keep the hot path to one heap push and one call per event; generator
processes are offered for the slow, readable parts of a model (opening hours, arrivals).
An urgent process (a control: the hour changing, a suspension ending) runs before every
ordinary event of the same instant, however late it was scheduled.
"""

import math
from collections.abc import Callable, Iterator
from heapq import heappop, heappush
from itertools import count
from typing import Any

Callback = Callable[[Any], None]


class Kernel:
    """Simulation clock and event heap; equal times run urgent events first, then in the order
    they were scheduled."""

    __slots__ = ("now", "_heap", "_seq", "_urgent")

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._heap: list[tuple[float, int, Callback, Any]] = []
        self._seq = count()
        self._urgent = count(-(2**62))  # below every ordinary sequence number

    def __len__(self) -> int:
        return len(self._heap)

    def at(self, time: float, callback: Callback, arg: Any = None) -> None:
        """Schedule `callback(arg)` at absolute `time`."""
        if time < self.now:
            raise ValueError(f"cannot schedule in the past: {time} < now {self.now}")
        heappush(self._heap, (time, next(self._seq), callback, arg))

    def after(self, delay: float, callback: Callback, arg: Any = None) -> None:
        """Schedule `callback(arg)` after `delay` time units."""
        if delay < 0:
            raise ValueError(f"delay must be non-negative, got {delay}")
        heappush(self._heap, (self.now + delay, next(self._seq), callback, arg))

    def process(self, steps: Iterator[float], urgent: bool = False) -> None:
        """Start a generator process now; each value it yields is a delay before it resumes.
        An urgent process resumes before the ordinary events of the same instant."""
        if urgent:
            heappush(self._heap, (self.now, next(self._urgent), self._resume_urgent, steps))
        else:
            self.at(self.now, self._resume, steps)

    def _resume(self, steps: Iterator[float]) -> None:
        delay = next(steps, None)
        if delay is not None:
            self.after(delay, self._resume, steps)

    def _resume_urgent(self, steps: Iterator[float]) -> None:
        delay = next(steps, None)
        if delay is not None:
            if delay < 0:
                raise ValueError(f"delay must be non-negative, got {delay}")
            heappush(self._heap, (self.now + delay, next(self._urgent), self._resume_urgent, steps))

    def peek(self) -> float:
        """Time of the next event, or infinity when none is scheduled."""
        return self._heap[0][0] if self._heap else math.inf

    def run(self, until: float = math.inf) -> None:
        """Run events up to and including time `until`, then leave the clock there."""
        heap = self._heap
        # Local names and the bare loop are the hot path of every model: no per-event checks.
        while heap and heap[0][0] <= until:
            self.now, _, callback, arg = heappop(heap)
            callback(arg)
        if until != math.inf:
            self.now = max(self.now, until)
