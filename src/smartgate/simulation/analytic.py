"""Closed-form queueing results used to validate the simulator (Erlang C, Pollaczek–Khinchine)."""

import math


def check_stable(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Return the utilisation rho, or raise ValueError saying which input is unusable."""
    if not arrival_rate > 0 or math.isinf(arrival_rate):
        raise ValueError(f"arrival rate must be a positive number, got {arrival_rate}")
    if not service_rate > 0 or math.isinf(service_rate):
        raise ValueError(f"service rate must be a positive number, got {service_rate}")
    if servers < 1:
        raise ValueError(f"servers must be at least 1, got {servers}")
    rho = arrival_rate / (servers * service_rate)
    if rho >= 1:
        raise ValueError(
            f"unstable queue: rho = {arrival_rate:g} / ({servers} x {service_rate:g}) "
            f"= {rho:.3f} >= 1"
        )
    return rho


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load a = lambda/mu < c."""
    # Erlang B by its recursion stays finite for large c where factorials overflow.
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    rho = offered_load / servers
    return blocking / (1 - rho * (1 - blocking))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue Wq of M/M/c (Erlang C)."""
    check_stable(arrival_rate, service_rate, servers)
    waits = erlang_c(servers, arrival_rate / service_rate)
    return waits / (servers * service_rate - arrival_rate)


def mmc_wait_quantile(arrival_rate: float, service_rate: float, servers: int, q: float) -> float:
    """q-quantile of the wait in queue of M/M/c: P(Wq > t) = C exp(-(c mu - lambda) t)."""
    check_stable(arrival_rate, service_rate, servers)
    waits = erlang_c(servers, arrival_rate / service_rate)
    if waits <= 1 - q:
        return 0.0
    return math.log(waits / (1 - q)) / (servers * service_rate - arrival_rate)


def mg1_mean_wait(arrival_rate: float, mean_service: float, service_second_moment: float) -> float:
    """Mean wait in queue of M/G/1 by Pollaczek–Khinchine: lambda E[S^2] / (2 (1 - rho))."""
    check_stable(arrival_rate, 1 / mean_service, 1)
    return arrival_rate * service_second_moment / (2 * (1 - arrival_rate * mean_service))


def md1_mean_wait(arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue of M/D/1 (Pollaczek–Khinchine with E[S^2] = 1/mu^2)."""
    return mg1_mean_wait(arrival_rate, 1 / service_rate, 1 / service_rate**2)


def mdc_mean_wait_cosmetatos(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Cosmetatos' approximation of M/D/c's Wq (M/D/c has no closed form for c > 1).

    Half the M/M/c wait (Allen–Cunneen with cs^2 = 0) times a correction that vanishes at
    c = 1, where the result is exactly Pollaczek–Khinchine.
    """
    rho = check_stable(arrival_rate, service_rate, servers)
    c = servers
    correction = 1 + (1 - rho) * (c - 1) * (math.sqrt(4 + 5 * c) - 2) / (16 * rho * c)
    return mmc_mean_wait(arrival_rate, service_rate, servers) / 2 * correction
