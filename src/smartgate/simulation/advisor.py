"""Capacity advice: the smallest number of lanes, delivery units or trucks an hour that keeps
the 95th-percentile wait under a target, with the figures there and at one less.

Every value of the range runs with the same seeds (common random numbers), so the waits fall
as the value grows for the same reason, not by luck; the value chosen is the smallest whose
mean p95 wait over the replications is under the target.
"""

import math
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from smartgate.shared.wording import Wording
from smartgate.simulation.experiment import ScenarioResult, run_experiment
from smartgate.simulation.scenario import Scenario

# What may vary, and how a scenario changes with it.
VARIABLES: dict[str, Callable[[Scenario, int], Scenario]] = {
    "lanes": lambda s, n: s.variant(lanes=n),
    "units": lambda s, n: s.variant(units=n),
    "capacity": lambda s, n: s.variant(capacity=n),
}
NAMES = {
    "lanes": Wording("inspection lanes"),
    "units": Wording("delivery units"),
    "capacity": Wording("trucks an hour"),
}
RANGE = re.compile(r"^(lanes|units|capacity)=(\d+)\.\.(\d+)$")
MAX_VALUES = 200  # a range longer than this is a typo, not a plan


@dataclass(frozen=True)
class Advice:
    """What the advisor found for one scenario and one varied quantity."""

    scenario: Scenario
    variable: str
    target_minutes: float
    as_given: ScenarioResult  # the scenario unchanged
    tried: tuple[tuple[int, ScenarioResult], ...]  # each value with its results, ascending

    @property
    def chosen(self) -> int | None:
        """The smallest value whose mean p95 wait is under the target, or None."""
        for value, result in self.tried:
            if p95_minutes(result) < self.target_minutes:
                return value
        return None

    def result_at(self, value: int | None) -> ScenarioResult | None:
        """The results at `value`, if it was tried."""
        return dict(self.tried).get(value) if value is not None else None

    @property
    def growth_per_day(self) -> float:
        """How many more trucks wait (in line, held or in the yard) each day, as given."""
        profile = self.as_given.profile
        hours = profile[-1].time - profile[0].time
        return (profile[-1].in_system - profile[0].in_system) / (hours / 24) if hours else 0.0


def parse_range(text: str) -> tuple[str, list[int]]:
    """`lanes=1..8` as ("lanes", [1, ..., 8]); ValueError naming what is wrong."""
    found = RANGE.match(text.replace(" ", ""))
    if found is None:
        raise ValueError(f"expected lanes=A..B, units=A..B or capacity=A..B, got {text!r}")
    variable, low, high = found.group(1), int(found.group(2)), int(found.group(3))
    if not 1 <= low <= high:
        raise ValueError(f"the range must run upwards from at least 1, got {low}..{high}")
    if high - low + 1 > MAX_VALUES:
        raise ValueError(f"at most {MAX_VALUES} values, got {high - low + 1}")
    return variable, list(range(low, high + 1))


def advise(
    base: Scenario,
    variable: str,
    values: Sequence[int],
    target_minutes: float,
    replications: int,
    *,
    seed: int = 0,
    executor: Executor | None = None,
    progress: Callable[[], None] | None = None,
) -> Advice:
    """Run the scenario as given and at each value; every run shares the seeds."""
    variants = [VARIABLES[variable](base, value) for value in values]
    results = run_experiment(
        [base, *variants], replications, seed=seed, executor=executor, progress=progress
    )
    return Advice(
        base, variable, target_minutes, results[0], tuple(zip(values, results[1:], strict=True))
    )


def p95_minutes(result: ScenarioResult) -> float:
    """The mean over replications of the 95th-percentile wait, in minutes."""
    return result.estimates["p95_wait"].mean * 60


def conclusion(advice: Advice) -> Wording:
    """One sentence: how the line moves as given, and what keeps the p95 wait on target."""
    demand = advice.scenario.arrivals.per_day
    growth = round(advice.growth_per_day)
    if abs(growth) < max(1.0, 0.02 * demand):
        queue = Wording("At {per_day} trucks a day the queue holds steady", per_day=round(demand))
    elif growth > 0:
        queue = Wording(
            "At {per_day} trucks a day the queue grows by about {growth} a day",
            per_day=round(demand),
            growth=growth,
        )
    else:
        queue = Wording(
            "At {per_day} trucks a day the queue shrinks by about {growth} a day",
            per_day=round(demand),
            growth=-growth,
        )
    chosen, target = advice.chosen, f"{advice.target_minutes:g}"
    if math.isnan(p95_minutes(advice.tried[-1][1])):
        verdict = Wording("no truck was measured in the run, so there is nothing to advise")
    elif chosen is None:
        most, result = advice.tried[-1]
        verdict = Wording(
            "even {value} {variable} leave the p95 wait at {p95} min, "
            "above the {target} min target",
            value=most,
            variable=NAMES[advice.variable],
            p95=round(p95_minutes(result)),
            target=target,
        )
    else:
        verdict = Wording(
            "{value} {variable} keep the p95 wait under {target} min",
            value=chosen,
            variable=NAMES[advice.variable],
            target=target,
        )
    return Wording("{queue}; {verdict}.", queue=queue, verdict=verdict)
