"""The instance agent: the process beside the inference server on every instance of the fleet.

It gates warm-up (`Instance Warm` / `Instance Warm-up Failed`), publishes the metric contract to CloudWatch
every interval (GPU from NVML, in-flight and p95 latency from the server, queue-worker busy), runs the queue
worker, and drains on termination (IMDSv2 target lifecycle state or SIGTERM) before sending
`Instance Drained`. Pure parts (Prometheus parsing, metric and event builders, the warm-up verdict) are
separate from the I/O (IMDS, the server's HTTP API, the background publisher), from the drain coordinator
and from the loop that composes them. The pure names import at once; `Agent`, `AgentSettings` and `Phase`
(which bring httpx) on first use, so the command line's `--help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from warmfleet_inference.agent.events import (
    EVENT_SOURCE,
    DrainOutcome,
    DrainTrigger,
    InstanceEventType,
    InstanceIdentity,
    WarmupFailureReason,
    build_drained_event,
    build_warm_event,
    build_warmup_failed_event,
)
from warmfleet_inference.agent.metrics import NAMESPACE, IntervalReading, MetricName, build_metric_data

if TYPE_CHECKING:
    from warmfleet_inference.agent.loop import Agent, AgentSettings, Phase

_LAZY = {"Agent": "loop", "AgentSettings": "loop", "Phase": "loop"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EVENT_SOURCE",
    "NAMESPACE",
    "Agent",
    "AgentSettings",
    "DrainOutcome",
    "DrainTrigger",
    "InstanceEventType",
    "InstanceIdentity",
    "IntervalReading",
    "MetricName",
    "Phase",
    "WarmupFailureReason",
    "build_drained_event",
    "build_metric_data",
    "build_warm_event",
    "build_warmup_failed_event",
]
