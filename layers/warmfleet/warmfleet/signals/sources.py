"""Where each scaling signal is read from: the catalogue that maps a policy's signal names to sources.

A policy names its signals (`InFlightRequests`, `GPUUtilization`, `QueueBacklog`, ...); this module says which
CloudWatch metric (namespace, name, statistic, under the `{AutoScalingGroupName}` dimension of the metric
contract) or which queue count answers each name. The defaults are what warmfleet's own agent publishes;
`metric_sources(overrides)` lets a deployment point a signal at another metric, for example the
CloudWatch agent's `nvidia_smi_utilization_gpu` in namespace `CWAgent`
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-NVIDIA-GPU.html).
Pure data: nothing here calls AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from warmfleet.exceptions import ConfigurationError

NAMESPACE = "warmfleet"
GROUP_DIMENSION = "AutoScalingGroupName"
INSTANCE_DIMENSION = "InstanceId"


class SignalName(StrEnum):
    """The signals warmfleet collects out of the box (a policy's signal names: the agent's metric names, and
    the queue backlog, a total)."""

    GPU_UTILIZATION = "GPUUtilization"
    GPU_MEMORY_UTILIZATION = "GPUMemoryUtilization"
    IN_FLIGHT_REQUESTS = "InFlightRequests"
    REQUEST_LATENCY_P95 = "RequestLatencyP95"
    QUEUE_BACKLOG = "QueueBacklog"


#: CloudWatch statistics a source may use (GetMetricData `MetricStat.Stat`).
STATISTICS = frozenset({"Average", "Maximum", "Minimum", "Sum", "SampleCount", "p50", "p90", "p95", "p99"})


@dataclass(frozen=True)
class MetricSource:
    """One group-level CloudWatch metric: read under `{<group_dimension>: <group name>}`.

    `Average` over the group dimension is the per-instance average, because every instance publishes its
    own value under the same group dimension (the metric contract).
    """

    signal: str
    metric_name: str
    namespace: str = NAMESPACE
    statistic: str = "Average"
    group_dimension: str = GROUP_DIMENSION
    #: The agent publishes every 10 s at high resolution; a standard-resolution metric needs 60.
    period_seconds: int = 10

    def dimensions(self, group: str) -> list[dict[str, str]]:
        return [{"Name": self.group_dimension, "Value": group}]


#: The agent's metrics (`warmfleet_inference.agent.metrics.MetricName`), each the signal of its own name.
DEFAULT_METRIC_SOURCES: Mapping[str, MetricSource] = {
    SignalName.GPU_UTILIZATION: MetricSource(SignalName.GPU_UTILIZATION, "GPUUtilization"),
    SignalName.GPU_MEMORY_UTILIZATION: MetricSource(
        SignalName.GPU_MEMORY_UTILIZATION, "GPUMemoryUtilization"
    ),
    SignalName.IN_FLIGHT_REQUESTS: MetricSource(SignalName.IN_FLIGHT_REQUESTS, "InFlightRequests"),
    SignalName.REQUEST_LATENCY_P95: MetricSource(SignalName.REQUEST_LATENCY_P95, "RequestLatencyP95"),
}

#: Signals answered by the queue's own counters (SQS GetQueueAttributes), not by CloudWatch.
QUEUE_SIGNALS = frozenset({SignalName.QUEUE_BACKLOG})

#: The per-instance metric the scale-in choice reads (least in-flight work goes first).
IN_FLIGHT_METRIC = DEFAULT_METRIC_SOURCES[SignalName.IN_FLIGHT_REQUESTS]

_OVERRIDE_FIELDS = {"metric_name", "namespace", "statistic", "group_dimension", "period_seconds"}
#: GetMetricData periods: 1, 5, 10, 30 (high resolution) or a multiple of 60.
_SHORT_PERIODS = frozenset({1, 5, 10, 30})


def metric_sources(overrides: Mapping[str, Any] | None = None) -> dict[str, MetricSource]:
    """The catalogue with `overrides` applied, validated.

    Examples
    --------
    >>> sources = metric_sources({"GPUUtilization": {"namespace": "CWAgent",
    ...                                              "metric_name": "nvidia_smi_utilization_gpu"}})
    >>> sources["GPUUtilization"].namespace, sources["GPUUtilization"].statistic
    ('CWAgent', 'Average')
    """
    sources = {str(name): source for name, source in DEFAULT_METRIC_SOURCES.items()}
    for name, raw in (overrides or {}).items():
        if not isinstance(raw, Mapping) or not raw:
            raise ConfigurationError(f"metric source {name!r} must be a non-empty object")
        unknown = set(raw) - _OVERRIDE_FIELDS
        if unknown:
            raise ConfigurationError(
                f"metric source {name!r}: unknown field(s) {sorted(unknown)}; "
                f"allowed {sorted(_OVERRIDE_FIELDS)}"
            )
        fields = {key: value for key, value in raw.items() if key != "period_seconds"}
        if any(not isinstance(value, str) or not value.strip() for value in fields.values()):
            raise ConfigurationError(f"metric source {name!r}: every name field must be a non-empty string")
        period = raw.get("period_seconds", 10)
        if not isinstance(period, int) or isinstance(period, bool) or not _valid_period(period):
            raise ConfigurationError(
                f"metric source {name!r}: period_seconds {period!r} must be 1, 5, 10, 30 or a multiple of 60"
            )
        base = sources.get(name)
        if base is None:
            if "metric_name" not in raw:
                raise ConfigurationError(f"metric source {name!r} is new and needs a metric_name")
            base = MetricSource(signal=name, metric_name=raw["metric_name"])
        source = replace(base, period_seconds=period, **{key: value.strip() for key, value in fields.items()})
        if source.statistic not in STATISTICS:
            raise ConfigurationError(
                f"metric source {name!r}: statistic {source.statistic!r} is not one of {sorted(STATISTICS)}"
            )
        sources[name] = source
    return sources


def _valid_period(period: int) -> bool:
    return period in _SHORT_PERIODS or (period > 0 and period % 60 == 0)


def check_signals_have_sources(signal_names: list[str], sources: Mapping[str, MetricSource]) -> None:
    """Refuse a policy signal that no collector can read, naming it (a typo must not read as missing)."""
    unknown = [name for name in signal_names if name not in sources and name not in QUEUE_SIGNALS]
    if unknown:
        known = sorted({*sources, *QUEUE_SIGNALS})
        raise ConfigurationError(f"policy signal(s) {unknown} have no source; known signals: {known}")
