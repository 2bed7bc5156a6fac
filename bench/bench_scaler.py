"""Benchmark: the scaler tick's AWS calls, cold import, duration on moto, and reaction to a load step.

Four measurements, each beside a baseline from the same run:

1. AWS API calls per steady-state tick (counted from botocore's `before-call` events) for groups of 2, 20
   and 100 instances; baseline: the same container's first (cold) tick. Goal: at most 5, whatever the size.
2. Cold import time of `functions/scaler/app.py` in a fresh interpreter (median of runs); baseline: a fresh
   `import boto3`, what a handler importing boto3 at module level would pay on top. Goal: at most 300 ms.
3. Handler duration on a local moto server (p50/p99 over steady and scaling ticks, 20 instances); baseline:
   one DescribeAutoScalingGroups round trip on the same server.
4. Reaction time from a load step to SetDesiredCapacity, with the agent publishing every 10 s and the tick
   every 15 s (the Step Functions loop), over step times spread across a tick; baseline: the same with a
   plain 1-minute schedule. (CloudWatch's own ingestion delay, seconds, comes on top of both.)

Run: `.venv/bin/python bench/bench_scaler.py` (`--ticks`, `--imports`). It starts a moto server on 127.0.0.1
and stops it at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from moto_fleet import Clock, MotoFleet, percentile
from warmfleet.config import ScalerConfig
from warmfleet.handlers import scaler
from warmfleet.local.stage import moto_server

ROOT = Path(__file__).resolve().parents[1]
TICK = {"warmfleet": "tick"}
POLICY = {
    "signals": [
        {"name": "InFlightRequests", "target": 4},
        {"name": "GPUUtilization", "target": 70},
        {"name": "QueueBacklog", "kind": "total", "target": 10},
    ],
    "panic": {"enabled": False},
}
CALL_GOAL = 5
IMPORT_GOAL_MS = 300.0


class Bench(MotoFleet):
    """The shared moto fleet, counting every AWS call its clients make; groups come with a pause parameter."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(endpoint)
        self.calls: list[str] = []
        self.session.events.register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def group(self, size: int) -> tuple[ScalerConfig, Clock]:
        suffix, name, queue = self.new_group(desired=size, max_size=200)
        parameter = f"/bench/{suffix}/paused"
        self.client("ssm").put_parameter(Name=parameter, Value="false", Type="String")
        config = ScalerConfig(name, self.table, queue, dict(POLICY), parameter, False)
        return config, Clock(datetime.now(UTC).replace(microsecond=0))

    def runtime(self, config: ScalerConfig, clock: Clock) -> scaler.ScalerRuntime:
        built = scaler.build_runtime(config, client=self.client, clock=clock)
        return built

    def publish(self, config: ScalerConfig, at: datetime, in_flight: float) -> None:
        dimensions = [{"Name": "AutoScalingGroupName", "Value": config.group_name}]
        self.client("cloudwatch").put_metric_data(
            Namespace="warmfleet",
            MetricData=[
                {
                    "MetricName": "InFlightRequests",
                    "Dimensions": dimensions,
                    "Timestamp": at,
                    "Value": in_flight,
                },
                {"MetricName": "GPUUtilization", "Dimensions": dimensions, "Timestamp": at, "Value": 70.0},
            ],
        )

    def desired(self, config: ScalerConfig) -> int:
        return super().desired(config.group_name)


def tick(runtime: scaler.ScalerRuntime, config: ScalerConfig) -> dict[str, Any]:
    # The tick's EMF documents go to stdout, as in Lambda; the benchmark keeps its own output readable.
    with contextlib.redirect_stdout(io.StringIO()):
        return scaler.handle(dict(TICK), config, lambda _: runtime)


def bench_calls(bench: Bench, ticks: int) -> None:
    print("1. AWS API calls per tick (botocore before-call events)")
    for size in (2, 20, 100):
        config, clock = bench.group(size)
        runtime = bench.runtime(config, clock)
        bench.publish(config, clock.now - timedelta(seconds=5), 4.0)
        bench.calls.clear()
        tick(runtime, config)
        cold = len(bench.calls)
        per_tick = []
        for _ in range(ticks):
            clock.now += timedelta(seconds=15)
            bench.publish(config, clock.now - timedelta(seconds=5), 4.0)
            bench.calls.clear()
            tick(runtime, config)
            per_tick.append(len(bench.calls))
        mean = statistics.mean(per_tick)
        print(
            f"   {size:>3} instances: steady mean {mean:.2f}, max {max(per_tick)} (goal <= {CALL_GOAL}); "
            f"cold tick {cold}; steady/cold {mean / cold:.2f}"
        )


def _import_ms(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1000)"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "warmfleet"), str(ROOT / "inference")]),
    }
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return float(done.stdout.strip().splitlines()[-1])


def bench_import(runs: int) -> None:
    print("2. cold import (fresh interpreters, handler and baseline alternating; median and best)")
    app = ROOT / "functions" / "scaler" / "app.py"
    handler = (
        f"import importlib.util as u; s = u.spec_from_file_location('app', r'{app}'); "
        "m = u.module_from_spec(s); s.loader.exec_module(m)"
    )
    # Alternating runs see the same background load, so their ratio is steadier than either number.
    handler_runs, boto3_runs = [], []
    for _ in range(runs):
        handler_runs.append(_import_ms(handler))
        boto3_runs.append(_import_ms("import boto3"))
    handler_ms, boto3_ms = statistics.median(handler_runs), statistics.median(boto3_runs)
    print(
        f"   functions/scaler/app.py: median {handler_ms:.0f} ms, best {min(handler_runs):.0f} ms "
        f"(goal <= {IMPORT_GOAL_MS:.0f} ms); baseline import boto3: median {boto3_ms:.0f} ms, "
        f"best {min(boto3_runs):.0f} ms; handler/boto3 {handler_ms / boto3_ms:.2f}"
    )


def bench_duration(bench: Bench, ticks: int) -> None:
    print("3. handler duration on moto (20 instances; load alternating so some ticks scale)")
    config, clock = bench.group(20)
    runtime = bench.runtime(config, clock)
    durations, baseline = [], []
    autoscaling = bench.client("autoscaling")
    for number in range(ticks):
        clock.now += timedelta(seconds=15)
        bench.publish(config, clock.now - timedelta(seconds=5), 4.0 if (number // 10) % 2 == 0 else 6.0)
        started = time.perf_counter()
        tick(runtime, config)
        durations.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[config.group_name])
        baseline.append((time.perf_counter() - started) * 1000)
    p50, p99 = percentile(durations, 0.5), percentile(durations, 0.99)
    b50, b99 = percentile(baseline, 0.5), percentile(baseline, 0.99)
    print(
        f"   tick p50 {p50:.1f} ms, p99 {p99:.1f} ms; baseline DescribeAutoScalingGroups p50 {b50:.1f} ms, "
        f"p99 {b99:.1f} ms; tick/baseline p99 {p99 / b99:.1f}"
    )


def reaction_seconds(bench: Bench, tick_seconds: int, step_offset: float) -> float:
    """Seconds from a load step (at `step_offset` into a tick period) to the tick that scales out."""
    config, clock = bench.group(2)
    runtime = bench.runtime(config, clock)
    start = clock.now
    step_at = start + timedelta(seconds=60 + step_offset)
    published = start - timedelta(seconds=10)
    ticked = start
    while ticked < step_at + timedelta(seconds=300):
        while published + timedelta(seconds=10) <= ticked:
            published += timedelta(seconds=10)
            bench.publish(config, published, 12.0 if published >= step_at else 4.0)
        clock.now = ticked
        tick(runtime, config)
        if bench.desired(config) > 2:
            return (ticked - step_at).total_seconds()
        ticked += timedelta(seconds=tick_seconds)
    return float("inf")


def bench_reaction(bench: Bench) -> None:
    print("4. reaction from a load step to SetDesiredCapacity (agent every 10 s)")
    offsets = [0.0, 2.5, 5.0, 7.5, 10.0, 12.5]
    results = {}
    for period in (15, 60):
        spread = [o * period / 15 for o in offsets]
        results[period] = [reaction_seconds(bench, period, offset) for offset in spread]
    fast, slow = results[15], results[60]
    print(
        f"   15 s ticks: mean {statistics.mean(fast):.1f} s, max {max(fast):.1f} s; "
        f"baseline 1-minute schedule: mean {statistics.mean(slow):.1f} s, max {max(slow):.1f} s; "
        f"ratio of means {statistics.mean(fast) / statistics.mean(slow):.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=40, help="ticks per measurement (default 40)")
    parser.add_argument("--imports", type=int, default=9, help="fresh interpreters per import timing")
    args = parser.parse_args(argv)
    with moto_server() as endpoint:
        bench = Bench(endpoint)
        steps: list[Callable[[], None]] = [
            lambda: bench_calls(bench, args.ticks),
            lambda: bench_import(args.imports),
            lambda: bench_duration(bench, args.ticks),
            lambda: bench_reaction(bench),
        ]
        for step in steps:
            step()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
