"""Resources with a waiting line: slots (yards) and stations of c servers (inspection lanes)."""

from collections import deque
from collections.abc import Callable
from typing import Any

from smartgate.simulation.kernel import Callback, Kernel


class FifoQueue(deque):
    """First come, first served waiting line."""

    # C-level aliases: no Python frame per push or pop on the hot path.
    push = deque.append
    pop = deque.popleft


class Slots:
    """`capacity` identical slots; `granted(job)` runs when a job gets one, else it waits."""

    def __init__(self, capacity: int, granted: Callback) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self.in_use = 0
        self.peak = 0
        self.is_open = True
        self.queue = FifoQueue()
        self._granted = granted

    def request(self, job: Any) -> None:
        """Give `job` a slot now if one is free and the resource is open, else queue it."""
        if self.in_use < self.capacity and self.is_open:
            self.in_use += 1
            if self.in_use > self.peak:
                self.peak = self.in_use
            self._granted(job)
        else:
            self.queue.push(job)

    def release(self, _: Any = None) -> None:
        """Free one slot and hand it to the first waiting job (usable as a kernel callback)."""
        self.in_use -= 1
        if self.queue and self.is_open:
            self.in_use += 1
            self._granted(self.queue.pop())

    def open(self, _: Any = None) -> None:
        """Start granting slots again, to as many waiting jobs as fit."""
        self.is_open = True
        while self.queue and self.in_use < self.capacity:
            self.in_use += 1
            self._granted(self.queue.pop())
        self.peak = max(self.peak, self.in_use)

    def close(self, _: Any = None) -> None:
        """Stop granting slots; jobs holding one keep it."""
        self.is_open = False


class Station(Slots):
    """c servers: a job holds one for a sampled service time, then `done(job)` runs.

    `turnaround` keeps the server busy after the job has left, e.g. an AGV driving back empty.
    `busy_in(start, end)` counts the part of a busy spell that counts (e.g. in opening hours).
    """

    def __init__(
        self,
        kernel: Kernel,
        servers: int,
        service: Callable[[], float],
        *,
        done: Callback | None = None,
        started: Callback | None = None,
        turnaround: float = 0.0,
        busy_in: Callable[[float, float], float] | None = None,
    ) -> None:
        super().__init__(servers, self._serve)
        self._busy_in = busy_in
        self.busy_time = 0.0
        self._kernel = kernel
        self._service = service
        self._done = done
        self._started = started
        self._turnaround = turnaround

    def _serve(self, job: Any) -> None:
        if self._started is not None:
            self._started(job)
        self._kernel.after(self._service(), self._finish, (job, self._kernel.now))

    def _finish(self, job_and_start: tuple[Any, float]) -> None:
        job, start = job_and_start
        end = self._kernel.now + self._turnaround
        self.busy_time += end - start if self._busy_in is None else self._busy_in(start, end)
        if self._turnaround:
            self._kernel.after(self._turnaround, self.release)
        else:
            self.release()
        if self._done is not None:
            self._done(job)
