"""One simulation: the oracle, then every chosen policy on the same trace, model and seed.

The oracle is computed first because two baselines derive from it: the fleet every policy starts with
(the oracle's peak over the first launch delay, within the group's bounds, already serving, as if the
trace had been running before its first request: no policy could have added an instance sooner), and
the size of the ``fixed`` fleet (the oracle's peak, which serves every request without waiting). Each
policy then runs on a fresh fleet with its own ``random.Random(seed)``, so a policy's result does not
depend on which others ran.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warmfleet.core import Policy
from warmfleet.exceptions import ConfigurationError
from warmfleet.sim.fleet import RunResult, simulate
from warmfleet.sim.model import FleetModel
from warmfleet.sim.oracle import OracleResult, oracle
from warmfleet.sim.policies import POLICY_NAMES, SIMULATED, build_policy
from warmfleet.sim.report import result_document, summarize_oracle, summarize_run
from warmfleet.sim.trace import Trace


@dataclass(frozen=True, slots=True)
class Simulation:
    """The result document (:func:`warmfleet.sim.report.result_document`) and the raw runs behind it."""

    document: dict[str, Any]
    runs: tuple[RunResult, ...]
    oracle: OracleResult


def policy_names(requested: Sequence[str]) -> tuple[str, ...]:
    """The policies to run, in report order: ``all`` is every one; an unknown name is a ConfigurationError.

    >>> policy_names(["oracle", "warmfleet"]), len(policy_names(["all"]))
    (('warmfleet', 'oracle'), 6)
    """
    chosen = set(POLICY_NAMES) if "all" in requested else set(requested)
    unknown = sorted(chosen - set(POLICY_NAMES))
    if unknown or not chosen:
        raise ConfigurationError(
            f"unknown policy {', '.join(unknown) or '(none)'}: choose from {', '.join(POLICY_NAMES)} or all"
        )
    return tuple(name for name in POLICY_NAMES if name in chosen)


def initial_capacity(bound: OracleResult, model: FleetModel) -> int:
    """What serves the trace's start until a first launch could serve: the oracle's peak over one launch."""
    lead = model.launch_seconds + model.launch_jitter_seconds + model.tick_seconds
    intervals = max(1, math.ceil(lead / model.tick_seconds))
    return max(bound.capacity[:intervals])


def run_simulation(
    trace: Trace,
    model: FleetModel,
    policies: Sequence[str],
    *,
    seed: int,
    offset_seconds: float = 0.0,
    fixed_size: int | None = None,
    initial_size: int | None = None,
    warmfleet_policy: Policy | None = None,
) -> Simulation:
    """Run the oracle and each of ``policies`` (names of :data:`POLICY_NAMES` or ``all``)."""
    names = policy_names(policies)
    bound = oracle(trace, model)
    start_size = initial_size
    if start_size is None:
        start_size = max(model.min_size, min(model.max_size, initial_capacity(bound, model)))
    fixed = fixed_size if fixed_size is not None else max(1, *bound.capacity)
    runs: list[RunResult] = []
    for name in names:
        if name not in SIMULATED:
            continue
        policy = build_policy(
            name, model, start=trace.start, fixed_size=fixed, warmfleet_policy=warmfleet_policy
        )
        first = fixed if name == "fixed" else start_size
        runs.append(simulate(trace, model, policy, seed=seed, initial_size=first))
    rows = [summarize_run(run, model) for run in runs]
    if "oracle" in names:
        rows.append(summarize_oracle(bound, model))
    document = result_document(
        trace,
        model,
        seed=seed,
        offset_seconds=offset_seconds,
        rows=rows,
        runs=runs,
        oracle=bound if "oracle" in names else None,
    )
    document["baselines"] = {
        "initial_size": start_size,
        "fixed_size": fixed,
        "oracle_schedule_instance_hours": round(bound.schedule_instance_seconds / 3600, 4),
    }
    return Simulation(document=document, runs=tuple(runs), oracle=bound)
