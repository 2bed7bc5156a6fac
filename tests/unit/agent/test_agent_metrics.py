"""The metric contract: names, units, both dimension sets, high resolution, batching."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from warmfleet_inference.agent.metrics import (
    NAMESPACE,
    IntervalReading,
    MetricName,
    batches,
    build_metric_data,
)

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
GROUP_ONLY = [{"Name": "AutoScalingGroupName", "Value": "g"}]
GROUP_AND_INSTANCE = [*GROUP_ONLY, {"Name": "InstanceId", "Value": "i-1"}]


def test_every_reading_is_published_under_both_dimension_sets() -> None:
    # GIVEN a full reading
    reading = IntervalReading(
        gpu_utilization=71.5,
        gpu_memory_utilization=40.0,
        in_flight_requests=6,
        request_latency_p95_ms=120.0,
        queue_worker_busy=2,
    )
    # WHEN it becomes MetricData
    data = build_metric_data(reading, group="g", instance_id="i-1", timestamp=NOW)
    # THEN each of the five metrics appears twice, once per dimension set, at high resolution
    assert NAMESPACE == "warmfleet"
    assert len(data) == 10
    for name, unit, value in [
        (MetricName.GPU_UTILIZATION, "Percent", 71.5),
        (MetricName.GPU_MEMORY_UTILIZATION, "Percent", 40.0),
        (MetricName.IN_FLIGHT_REQUESTS, "Count", 6.0),
        (MetricName.REQUEST_LATENCY_P95, "Milliseconds", 120.0),
        (MetricName.QUEUE_WORKER_BUSY, "Count", 2.0),
    ]:
        same = [d for d in data if d["MetricName"] == name.value]
        assert [d["Dimensions"] for d in same] == [GROUP_ONLY, GROUP_AND_INSTANCE]
        assert {(d["Unit"], d["Value"], d["StorageResolution"], d["Timestamp"]) for d in same} == {
            (unit, value, 1, NOW)
        }


@pytest.mark.parametrize(
    ("reading", "expected_names"),
    [
        pytest.param(
            IntervalReading(in_flight_requests=0, queue_worker_busy=0),
            {"InFlightRequests", "QueueWorkerBusy"},
            id="no-gpu-no-latency",
        ),
        pytest.param(IntervalReading(), set(), id="nothing-known"),
        pytest.param(IntervalReading(gpu_utilization=0.0), {"GPUUtilization"}, id="zero-is-a-reading"),
    ],
)
def test_missing_readings_are_not_sent(reading: IntervalReading, expected_names: set[str]) -> None:
    # GIVEN readings with gaps; THEN a gap sends nothing (never a made-up zero) and a real zero is sent
    data = build_metric_data(reading, group="g", instance_id="i-1", timestamp=NOW)
    assert {d["MetricName"] for d in data} == expected_names


def test_a_metric_needs_group_and_instance() -> None:
    with pytest.raises(ValueError, match="group name and the instance id"):
        build_metric_data(IntervalReading(in_flight_requests=1), group="", instance_id="i-1", timestamp=NOW)


@pytest.mark.parametrize(
    ("count", "size", "expected"),
    [
        pytest.param(10, 1000, [10], id="one-interval-one-call"),
        pytest.param(2500, 1000, [1000, 1000, 500], id="split"),
        pytest.param(0, 1000, [], id="nothing"),
    ],
)
def test_batches(count: int, size: int, expected: list[int]) -> None:
    data = [{"MetricName": str(n)} for n in range(count)]
    assert [len(b) for b in batches(data, size)] == expected
