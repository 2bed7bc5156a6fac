"""Benchmark: reaction time from a load step to SetDesiredCapacity on the alarm path (10-s alarm periods).

A group of 2 instances at its in-flight target (4 per instance) sees a load step to 12 per instance. The
agent publishes every 10 s (high resolution); a model of CloudWatch's alarm evaluation (every 10 s, on the
last EvaluationPeriods complete 10-s periods, ALARM when DatapointsToAlarm of them breach the threshold, as
`template.yaml` declares InFlightHighAlarm: threshold 8, 2 of 3) decides when the "Alarm State Change"
fires; the REAL alarm handler then runs on a local moto server (its wall time is measured and added). The
step is placed at offsets spread over a 10-s period.

Baselines from the same run, same timeline: the scaler tick (real handler) every 15 s (the Step Functions
loop) and every 60 s (a plain schedule); and the alarm with 1 of 1 datapoints. The reaction of the deployed
stack is the earlier of the alarm path and the tick path, printed too. Not included (the same for every
row): CloudWatch's ingestion delay and EventBridge's delivery (seconds), a Lambda cold start. Then the alarm
handler's own duration on moto (p50/p99, each invocation acting), beside the steady tick's.

Run: `.venv/bin/python bench/bench_alarm.py` (`--offsets N`, `--runs N`). It starts a moto server on
127.0.0.1 and stops it at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from moto_fleet import Clock, MotoFleet, percentile
from warmfleet.config import AlarmConfig, AlarmStep, ScalerConfig
from warmfleet.handlers import alarm, scaler
from warmfleet.local.stage import moto_server

ROOT = Path(__file__).resolve().parents[1]
ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:bench-inflight-high"
# The template's defaults: in-flight target 4, alarm threshold 8, step +1 instance or +25 %.
POLICY = {
    "signals": [{"name": "InFlightRequests", "target": 4}],
    "panic": {"enabled": False},
    "alarm_steps": [{"alarm_name": "InFlightHigh", "add_instances": 1, "add_percent": 25}],
}
THRESHOLD = 8.0
BEFORE, AFTER = 4.0, 12.0
PUBLISH_PHASE_SECONDS = 3  # the agent's 10-s cycle is not aligned with CloudWatch's periods


@dataclass
class AlarmModel:
    """CloudWatch's evaluation of a 10-s alarm: ALARM when `needed` of the last `periods` periods breach."""

    periods: int
    needed: int
    samples: list[tuple[datetime, float]] = field(default_factory=list)

    def breaching(self, at: datetime) -> bool:
        breaches = 0
        for index in range(1, self.periods + 1):
            start, end = at - timedelta(seconds=10 * index), at - timedelta(seconds=10 * (index - 1))
            values = [v for t, v in self.samples if start <= t < end]
            breaches += bool(values) and statistics.mean(values) > THRESHOLD
        return breaches >= self.needed


class Bench(MotoFleet):
    """The shared moto fleet, with the alarm event and groups at the in-flight target."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(endpoint)
        self.event = json.loads((ROOT / "events" / "alarm" / "alarm.json").read_text())

    def group(self) -> tuple[ScalerConfig, Clock]:
        _, name, queue = self.new_group(desired=2, max_size=50)
        config = ScalerConfig(name, self.table, queue, json.loads(json.dumps(POLICY)), None, False)
        start = datetime.now(UTC).replace(second=0, microsecond=0)
        return config, Clock(start)

    def publish(self, config: ScalerConfig, at: datetime, value: float) -> None:
        self.client("cloudwatch").put_metric_data(
            Namespace="warmfleet",
            MetricData=[
                {
                    "MetricName": "InFlightRequests",
                    "Dimensions": [{"Name": "AutoScalingGroupName", "Value": config.group_name}],
                    "Timestamp": at,
                    "Value": value,
                    "StorageResolution": 1,
                }
            ],
        )

    def desired(self, config: ScalerConfig) -> int:
        return super().desired(config.group_name)

    def alarm_event(self, at: datetime) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(json.dumps(self.event))
        event["resources"] = [ARN]
        event["detail"]["state"]["timestamp"] = at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        return event


def quiet(call: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    # The pipeline's EMF documents go to stdout, as in Lambda; the benchmark keeps its output readable.
    with contextlib.redirect_stdout(io.StringIO()):
        return call(*args)


def reaction(
    bench: Bench, offset: float, *, tick_seconds: int | None, alarm_model: AlarmModel | None
) -> float:
    """Seconds from the load step to the first SetDesiredCapacity above 2 (handler wall time included)."""
    config, clock = bench.group()
    runtime = scaler.build_runtime(config, client=bench.client, clock=clock)
    alarm_config = AlarmConfig(
        config.group_name, config.state_table, {ARN: AlarmStep("InFlightHigh", 1, 25.0)}
    )
    alarm_runtime = alarm.AlarmRuntime(runtime, config)
    start = clock.now
    step_at = start + timedelta(seconds=60 + offset)
    published = start - timedelta(seconds=10 - PUBLISH_PHASE_SECONDS)
    for second in range(0, 300):
        now = start + timedelta(seconds=second)
        while published + timedelta(seconds=10) <= now:
            published += timedelta(seconds=10)
            value = AFTER if published >= step_at else BEFORE
            bench.publish(config, published, value)
            if alarm_model is not None:
                alarm_model.samples.append((published, value))
        clock.now = now
        began = time.perf_counter()
        acted = False
        if alarm_model is not None and second % 10 == 0 and alarm_model.breaching(now):
            quiet(alarm.handle, bench.alarm_event(now), alarm_config, lambda: alarm_runtime)
            acted = True
        if tick_seconds is not None and second % tick_seconds == 0:
            quiet(scaler.handle, {"warmfleet": "tick"}, config, lambda _: runtime)
            acted = True
        if acted and bench.desired(config) > 2:
            return (now - step_at).total_seconds() + time.perf_counter() - began
    return float("inf")


ROWS: list[tuple[str, int | None, tuple[int, int] | None]] = [
    ("alarm path, 10-s periods, 2 of 3 (template)", None, (3, 2)),
    ("alarm path, 10-s periods, 1 of 1", None, (1, 1)),
    ("tick path, 15-s Step Functions loop (baseline)", 15, None),
    ("tick path, 1-minute schedule", 60, None),
    ("deployed stack: alarm (2 of 3) and 15-s ticks", 15, (3, 2)),
]


def handler_durations(bench: Bench, runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds of the alarm handler (ALARM and OK in turn, each acting) and of a steady tick, on moto."""
    config, clock = bench.group()
    runtime = scaler.build_runtime(config, client=bench.client, clock=clock)
    alarm_config = AlarmConfig(
        config.group_name, config.state_table, {ARN: AlarmStep("InFlightHigh", 1, 25.0)}
    )
    alarm_runtime = alarm.AlarmRuntime(runtime, config)
    alarms, ticks = [], []
    for run in range(runs):
        clock.now += timedelta(seconds=15)
        bench.publish(config, clock.now - timedelta(seconds=5), BEFORE)
        event = bench.alarm_event(clock.now)
        event["detail"]["state"]["value"] = "ALARM" if run % 2 == 0 else "OK"
        began = time.perf_counter()
        quiet(alarm.handle, event, alarm_config, lambda: alarm_runtime)
        alarms.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        quiet(scaler.handle, {"warmfleet": "tick"}, config, lambda _: runtime)
        ticks.append((time.perf_counter() - began) * 1000)
    return alarms, ticks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--offsets", type=int, default=5, help="load-step offsets spread over 10 s (default 5)"
    )
    parser.add_argument("--runs", type=int, default=40, help="handler invocations timed (default 40)")
    args = parser.parse_args(argv)
    with moto_server() as endpoint:
        bench = Bench(endpoint)
        offsets = [10.0 * i / args.offsets for i in range(args.offsets)]
        results: dict[str, list[float]] = {}
        for name, tick_seconds, model in ROWS:
            results[name] = [
                reaction(
                    bench,
                    offset,
                    tick_seconds=tick_seconds,
                    alarm_model=AlarmModel(*model) if model else None,
                )
                for offset in offsets
            ]
        baseline = statistics.mean(results[ROWS[2][0]])
        print("reaction from a load step (4 -> 12 in flight per instance) to SetDesiredCapacity")
        print(f"{'path':<50} {'mean s':>7} {'max s':>7} {'vs 15-s ticks':>14}")
        for name, values in results.items():
            mean = statistics.mean(values)
            print(f"{name:<50} {mean:7.1f} {max(values):7.1f} {mean / baseline:13.2f}x")
        alarms, ticks = handler_durations(bench, args.runs)
        print(f"handler duration on moto over {args.runs} runs (ms)")
        for name, values in (("alarm handler (ALARM/OK in turn)", alarms), ("scaler tick (baseline)", ticks)):
            p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
            print(f"{name:<50} p50 {p50:6.0f}  p99 {p99:6.0f}  p50 ratio {p50 / percentile(ticks, 0.5):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
