"""Benchmark: warmfleet.core.decide() decisions per second, beside a trivial baseline from the same run.

Each decision sees 5 signals (3 per-instance averages, 2 totals), an alarm step,
a schedule floor and a full history (the one ``decide()`` builds ticking every
15 s through the 300 s scale-down window under a swinging load: several distinct
recommendations and a recent scale event), for a group of 32 and of 500
instances. The baseline is the bare HPA formula on the same inputs (max over
signals of ``ceil(ready * value / target)``, clamped), so the ratio shows what
the pipeline's damping, reasons and history cost.

Run: ``make bench-decide``: on the project's Python, then on the Lambda runtime's
(python3.13 with only the layer's packages, ``.venv-lambda``), which is what the
functions run and what the goal is measured on. Or ``.venv/bin/python
bench/bench_decide.py`` (``--seconds`` of CPU time per measurement, default 2, in
5 rounds). Rates are per CPU-second of this one process
(one core): the best round, as ``timeit`` advises, with the median beside it.
Goal: at least 20,000 decisions/s for 32 instances and 2,000/s for 500, on one core.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import pydantic
from warmfleet.core import DecisionInputs, History, Policy, decide

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
GOALS = {32: 20_000, 500: 2_000}

POLICY = Policy.model_validate(
    {
        "signals": [
            {"name": "GPUUtilization", "target": 70},
            {"name": "GPUMemoryUtilization", "target": 80},
            {"name": "InFlightRequests", "target": 4},
            {"name": "QueueBacklog", "kind": "total", "target": 10},
            {"name": "DelayedJobs", "kind": "total", "target": 50, "activation_threshold": 5},
        ],
        "alarm_steps": [{"alarm_name": "InFlightHigh", "add_instances": 2}],
    }
)


def build_inputs(size: int, *, now: datetime = NOW, load: float = 1.0) -> DecisionInputs:
    """A group of ``size`` instances: mostly InService, some warming, one terminating.

    ``load`` scales the signal values (1.0: about on target).
    """
    warming = max(1, size // 16)
    instances = [
        {
            "instance_id": f"i-{n:017x}",
            "lifecycle_state": "Pending:Wait" if n < warming else "InService",
            "launch_time": (now - timedelta(seconds=120 if n < warming else 86_400)).isoformat(),
            "in_flight": float(n % 7),
        }
        for n in range(size)
    ]
    instances.append(
        {
            "instance_id": "i-leaving",
            "lifecycle_state": "Terminating:Wait",
            "launch_time": "2026-01-01T00:00:00Z",
        }
    )
    stamp = (now - timedelta(seconds=10)).isoformat()
    return DecisionInputs.model_validate(
        {
            "group": {"min_size": 1, "max_size": size * 2, "desired_capacity": size},
            "instances": instances,
            "signals": [
                {"name": "GPUUtilization", "value": 76.0 * load, "timestamp": stamp},
                {"name": "GPUMemoryUtilization", "value": 61.0 * load, "timestamp": stamp},
                {"name": "InFlightRequests", "value": 4.2 * load, "timestamp": stamp},
                {"name": "QueueBacklog", "value": 9.5 * size * load, "timestamp": stamp},
                {"name": "DelayedJobs", "value": 12.0 * load, "timestamp": stamp},
            ],
            "schedule_floor": 1,
        }
    )


#: The load of the ticks that build the history: swings of up to 30 % around the target.
HISTORY_LOADS = (1.0, 1.3, 0.8, 1.1, 0.7, 1.2, 0.9, 1.25, 0.75, 1.05)


def full_history(size: int) -> History:
    """The history ``decide()`` itself builds over the 300 s scale-down window (a tick every 15 s).

    The load swings around the target, so the history holds what a busy group's
    does: several distinct recommendations (one per value, as ``decide()`` keeps
    them) and the last tick's scale-up event. The group's size is held at
    ``size`` so the measured call sees the same fleet.
    """
    history = History(signal_failures={"DelayedJobs": 1})
    ticks = 300 // 15
    for tick in range(ticks, 0, -1):
        at = NOW - timedelta(seconds=15 * tick)
        load = HISTORY_LOADS[tick % len(HISTORY_LOADS)]
        history = decide(build_inputs(size, now=at, load=load), POLICY, history, now=at).history
    return history


def baseline(inputs: DecisionInputs, policy: Policy) -> int:
    """The bare HPA formula: no tolerance, warming, history, panic, behaviour, floors or reasons."""
    ready = sum(1 for i in inputs.instances if i.lifecycle_state == "InService")
    readings = {r.name: r.value for r in inputs.signals}
    wanted = 0
    for signal in policy.signals:
        value = readings.get(signal.name)
        if value is not None:
            load = value if signal.kind == "total" else ready * value
            wanted = max(wanted, math.ceil(load / signal.target))
    return min(max(wanted, inputs.group.min_size), inputs.group.max_size)


def rates(run: Callable[[], object], seconds: float, rounds: int = 5) -> tuple[float, float]:
    """The best and the median rate of ``run`` (calls per CPU-second) over ``rounds`` equal rounds.

    CPU time (``time.process_time``), not wall time, with the garbage collector on
    as in production. The best round is the figure to compare, as ``timeit``
    advises (https://docs.python.org/3/library/timeit.html#timeit.Timer.repeat):
    the slower rounds are slowed by other load on the machine, not by the code.
    The median is printed beside it so that noise stays visible.
    """
    per_round = seconds / rounds
    results = []
    for _ in range(rounds):
        calls, start = 0, time.process_time()
        deadline = start + per_round
        while True:
            for _ in range(50):
                run()
            calls += 50
            now = time.process_time()
            if now >= deadline:
                results.append(calls / (now - start))
                break
    return max(results), statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="CPU seconds per measurement, in 5 rounds (default 2)"
    )
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, pydantic {pydantic.VERSION}")
    print(
        f"{'instances':>9}  {'baseline/s':>12}  {'decide()/s':>12}  {'median/s':>10}  {'ratio':>7}  "
        f"{'goal/s':>8}  met"
    )
    for size, goal in GOALS.items():
        inputs, history = build_inputs(size), full_history(size)
        decision = decide(inputs, POLICY, history, now=NOW)
        assert decision.history.size > 0
        base, _ = rates(partial(baseline, inputs, POLICY), args.seconds)
        ours, median = rates(partial(decide, inputs, POLICY, history, now=NOW), args.seconds)
        met = "yes" if ours >= goal else "NO"
        print(
            f"{size:>9}  {base:>12,.0f}  {ours:>12,.0f}  {median:>10,.0f}  {ours / base:>7.2f}  "
            f"{goal:>8,}  {met}"
        )


if __name__ == "__main__":
    main()
