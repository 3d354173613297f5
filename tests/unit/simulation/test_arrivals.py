"""Arrival streams: hourly Poisson rates, booked slots with no-shows, replayed records."""

import numpy as np
import pytest

from smartgate.simulation.arrivals import booked_times, live_times, replay_times

DAYS = 200


def per_hour_of_day(times, days=DAYS):
    return np.bincount(np.floor(np.asarray(times)).astype(int) % 24, minlength=24) / days


def test_live_arrivals_follow_the_rate_of_each_hour_of_the_day():
    rates = [0.0] * 6 + [10.0] * 12 + [2.0] * 6
    times = list(live_times(rates, DAYS * 24, np.random.default_rng(3)))
    assert times == sorted(times)
    observed = per_hour_of_day(times)
    assert observed[:6].sum() == 0
    # Poisson counts over 200 days: the standard error of a rate of 10 is 0.22.
    assert observed[6:18] == pytest.approx([10.0] * 12, abs=0.9)
    assert observed[18:] == pytest.approx([2.0] * 6, abs=0.4)


def test_live_arrivals_within_an_hour_are_poisson():
    times = np.array(list(live_times([5.0] * 24, DAYS * 24, np.random.default_rng(4))))
    gaps = np.diff(times)
    assert gaps.mean() == pytest.approx(1 / 5, rel=0.02)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, rel=0.03)


def test_no_rate_means_no_arrivals():
    assert list(live_times([0.0] * 24, 48, np.random.default_rng(0))) == []


def test_booked_trucks_fill_their_slots_less_the_no_shows():
    slots = [0.0] * 8 + [4.5] * 8 + [0.0] * 8
    booked = list(booked_times(slots, 0.2, DAYS * 24, np.random.default_rng(5)))
    times = [t for t, _ in booked]
    assert times == sorted(times)
    assert all(slot == int(t) for t, slot in booked), "each comes in its booked hour"
    observed = per_hour_of_day(times)
    assert observed[:8].sum() == observed[16:].sum() == 0
    assert observed[8:16].mean() == pytest.approx(4.5 * 0.8, rel=0.03)


def test_everyone_booked_comes_when_nobody_fails_to_show():
    times = list(booked_times([3.0] * 24, 0.0, 48, np.random.default_rng(6)))
    assert len(times) == 3 * 48


def test_demand_past_the_booking_quota_comes_without_a_booking():
    quota = {hour: hour % 4 for hour in range(48)}
    trucks = list(booked_times([3.0] * 24, 0.0, 48, np.random.default_rng(7), quota.__getitem__))
    assert len(trucks) == 3 * 48
    booked = np.bincount([int(slot) for _, slot in trucks if slot is not None], minlength=48)
    assert booked.tolist() == [min(3, quota[h]) for h in range(48)]


def test_replay_keeps_recorded_times_within_the_horizon_in_order():
    assert list(replay_times([5.0, 1.0, -1.0, 30.0, 2.5], 24)) == [1.0, 2.5, 5.0]
