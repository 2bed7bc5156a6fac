"""Benchmark: warmfleet.core.decide() decisions per second, beside a trivial baseline from the same run.

Each decision sees 5 signals (3 per-instance averages, 2 totals), an alarm step,
a schedule floor and a full history (a recommendation every 15 s over the 300 s
scale-down window, recent scale events in both directions), for a group of 32
and of 500 instances. The baseline is the bare HPA formula on the same inputs
(max over signals of ``ceil(ready * value / target)``, clamped), so the ratio
shows what the pipeline's damping, reasons and history cost.

Run: ``.venv/bin/python bench/bench_decide.py`` (``--seconds`` of CPU time per
measurement, default 2). Rates are per CPU-second of this one process (one core).
Goal: at least 20,000 decisions/s for 32 instances and 2,000/s for 500, on one core.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from warmfleet.core import DecisionInputs, History, Policy, decide
from warmfleet.core.rules.rate_limit import ScaleEvent
from warmfleet.core.rules.stabilization import Recommendation

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


def build_inputs(size: int) -> DecisionInputs:
    """A group of ``size`` instances: mostly InService, some warming, one terminating."""
    warming = max(1, size // 16)
    instances = [
        {
            "instance_id": f"i-{n:017x}",
            "lifecycle_state": "Pending:Wait" if n < warming else "InService",
            "launch_time": (NOW - timedelta(seconds=120 if n < warming else 86_400)).isoformat(),
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
    stamp = (NOW - timedelta(seconds=10)).isoformat()
    return DecisionInputs.model_validate(
        {
            "group": {"min_size": 1, "max_size": size * 2, "desired_capacity": size},
            "instances": instances,
            "signals": [
                {"name": "GPUUtilization", "value": 76.0, "timestamp": stamp},
                {"name": "GPUMemoryUtilization", "value": 61.0, "timestamp": stamp},
                {"name": "InFlightRequests", "value": 4.2, "timestamp": stamp},
                {"name": "QueueBacklog", "value": 9.5 * size, "timestamp": stamp},
                {"name": "DelayedJobs", "value": 12.0, "timestamp": stamp},
            ],
            "schedule_floor": 1,
        }
    )


def full_history(size: int) -> History:
    """A history as a steady scaler builds it: 20 recommendations, events in both directions."""
    t = NOW.timestamp()
    return History(
        recommendations=tuple(Recommendation(size + (k % 5) - 2, t - 15 * k) for k in range(1, 21)),
        scale_up_events=(ScaleEvent(2, t - 10),),
        scale_down_events=(ScaleEvent(1, t - 5),),
        signal_failures={"DelayedJobs": 1},
    )


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


def rate(run: Callable[[], object], seconds: float) -> float:
    """Calls per CPU-second of ``run`` over about ``seconds`` of this process's CPU time.

    CPU time (``time.process_time``), not wall time: on a shared machine the other
    processes' load then slows the measurement down but does not count in it.
    """
    calls, start = 0, time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(50):
            run()
        calls += 50
        now = time.process_time()
        if now >= deadline:
            return calls / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per measurement (default 2)")
    args = parser.parse_args()
    print(f"{'instances':>9}  {'baseline/s':>12}  {'decide()/s':>12}  {'ratio':>7}  {'goal/s':>8}  met")
    for size, goal in GOALS.items():
        inputs, history = build_inputs(size), full_history(size)
        decision = decide(inputs, POLICY, history, now=NOW)
        assert decision.history.size > 0
        base = rate(partial(baseline, inputs, POLICY), args.seconds)
        ours = rate(partial(decide, inputs, POLICY, history, now=NOW), args.seconds)
        met = "yes" if ours >= goal else "NO"
        print(f"{size:>9}  {base:>12,.0f}  {ours:>12,.0f}  {ours / base:>7.2f}  {goal:>8,}  {met}")


if __name__ == "__main__":
    main()
