"""The event kernel: time order, ties in scheduling order, processes, running up to a time."""

import pytest

from smartgate.simulation.kernel import Kernel


def test_events_run_in_time_order_and_ties_in_the_order_scheduled():
    kernel = Kernel()
    seen = []
    kernel.at(2.0, seen.append, "late")
    kernel.at(1.0, seen.append, "first")
    kernel.at(1.0, seen.append, "second")
    kernel.run()
    assert seen == ["first", "second", "late"]
    assert kernel.now == 2.0


def test_run_until_stops_after_events_at_that_time_and_leaves_the_clock_there():
    kernel = Kernel()
    seen = []
    for t in (1.0, 3.0, 5.0):
        kernel.at(t, seen.append, t)
    kernel.run(until=3.0)
    assert seen == [1.0, 3.0]
    assert kernel.now == 3.0
    assert kernel.peek() == 5.0
    kernel.run(until=4.0)
    assert kernel.now == 4.0


def test_a_process_resumes_after_each_delay_it_yields():
    kernel = Kernel()
    times = []

    def ticker():
        for _ in range(3):
            times.append(kernel.now)
            yield 1.5

    kernel.process(ticker())
    kernel.run()
    assert times == [0.0, 1.5, 3.0]


def test_callbacks_schedule_further_events_relative_to_now():
    kernel = Kernel()
    seen = []

    def bounce(n):
        seen.append((kernel.now, n))
        if n:
            kernel.after(0.5, bounce, n - 1)

    kernel.after(1.0, bounce, 2)
    kernel.run()
    assert seen == [(1.0, 2), (1.5, 1), (2.0, 0)]


def test_the_past_cannot_be_scheduled():
    kernel = Kernel(start=10.0)
    with pytest.raises(ValueError, match="past"):
        kernel.at(9.0, print)
    with pytest.raises(ValueError, match="non-negative"):
        kernel.after(-1.0, print)
