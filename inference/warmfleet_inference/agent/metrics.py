"""The metric contract: one interval's readings as CloudWatch `MetricDatum`s, under both dimension sets.

DESIGN.md: namespace `warmfleet`; every metric published twice, with `{AutoScalingGroupName}` (what the
scaler and the alarms read: one query per signal whatever the fleet size) and `{AutoScalingGroupName,
InstanceId}` (per-instance views, scale-in choice); high resolution (StorageResolution 1) so the 10-second
alarms can see it. This module is pure; the publisher sends what it builds. A reading that is None (no GPU,
no request completed in the interval) is simply not sent: CloudWatch then has no data point, which the
scaler treats as a missing signal, rather than a made-up zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

NAMESPACE = "warmfleet"
GROUP_DIMENSION = "AutoScalingGroupName"
INSTANCE_DIMENSION = "InstanceId"
# PutMetricData takes up to 1000 MetricDatum per call
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
MAX_DATA_PER_CALL = 1000


class MetricName(StrEnum):
    """The metrics the agent publishes (names as the scaler, alarms and dashboard read them)."""

    GPU_UTILIZATION = "GPUUtilization"
    GPU_MEMORY_UTILIZATION = "GPUMemoryUtilization"
    IN_FLIGHT_REQUESTS = "InFlightRequests"
    REQUEST_LATENCY_P95 = "RequestLatencyP95"
    QUEUE_WORKER_BUSY = "QueueWorkerBusy"


UNITS: dict[MetricName, str] = {
    MetricName.GPU_UTILIZATION: "Percent",
    MetricName.GPU_MEMORY_UTILIZATION: "Percent",
    MetricName.IN_FLIGHT_REQUESTS: "Count",
    MetricName.REQUEST_LATENCY_P95: "Milliseconds",
    MetricName.QUEUE_WORKER_BUSY: "Count",
}


@dataclass(frozen=True)
class IntervalReading:
    """What the agent measured in one interval; None where there is nothing to say."""

    gpu_utilization: float | None = None
    gpu_memory_utilization: float | None = None
    in_flight_requests: float | None = None
    request_latency_p95_ms: float | None = None
    queue_worker_busy: float | None = None

    def values(self) -> dict[MetricName, float | None]:
        return {
            MetricName.GPU_UTILIZATION: self.gpu_utilization,
            MetricName.GPU_MEMORY_UTILIZATION: self.gpu_memory_utilization,
            MetricName.IN_FLIGHT_REQUESTS: self.in_flight_requests,
            MetricName.REQUEST_LATENCY_P95: self.request_latency_p95_ms,
            MetricName.QUEUE_WORKER_BUSY: self.queue_worker_busy,
        }


def dimension_sets(group: str, instance_id: str) -> list[list[dict[str, str]]]:
    """The two dimension sets of the metric contract, group-wide first."""
    group_dimension = {"Name": GROUP_DIMENSION, "Value": group}
    return [[group_dimension], [group_dimension, {"Name": INSTANCE_DIMENSION, "Value": instance_id}]]


def build_metric_data(
    reading: IntervalReading, *, group: str, instance_id: str, timestamp: datetime
) -> list[dict[str, Any]]:
    """The MetricData of one interval: each present reading once per dimension set.

    Example
    -------
    >>> from datetime import UTC
    >>> data = build_metric_data(IntervalReading(in_flight_requests=2), group="g", instance_id="i-1",
    ...                          timestamp=datetime(2026, 1, 1, tzinfo=UTC))
    >>> [len(d["Dimensions"]) for d in data]
    [1, 2]
    """
    if not group or not instance_id:
        raise ValueError("a metric needs both the group name and the instance id")
    data: list[dict[str, Any]] = []
    for name, value in reading.values().items():
        if value is None:
            continue
        for dimensions in dimension_sets(group, instance_id):
            data.append(
                {
                    "MetricName": name.value,
                    "Dimensions": dimensions,
                    "Timestamp": timestamp,
                    "Value": float(value),
                    "Unit": UNITS[name],
                    "StorageResolution": 1,
                }
            )
    return data


def batches(data: list[dict[str, Any]], size: int = MAX_DATA_PER_CALL) -> list[list[dict[str, Any]]]:
    """Split MetricData into PutMetricData-sized calls (one call per interval in practice)."""
    if size < 1:
        raise ValueError(f"batch size must be positive, got {size}")
    return [data[start : start + size] for start in range(0, len(data), size)]
