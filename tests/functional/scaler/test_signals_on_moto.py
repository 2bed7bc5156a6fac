"""The collectors against the moto server: metrics put by the test come back through ONE GetMetricData,
the queue backlog through GetQueueAttributes, the group and its launch times through DescribeAutoScalingGroups
(and DescribeInstances only for instances not seen before)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from warmfleet.config import ScalerConfig
from warmfleet.signals import Collectors, SignalSpec, metric_sources

from tests.functional.scaler.conftest import Fleet


def collectors(fleet: Fleet, signals: list[SignalSpec], **overrides: object) -> Collectors:
    options: dict[str, object] = {
        "group": fleet.group,
        "autoscaling": fleet.client("autoscaling"),
        "ec2": fleet.client("ec2"),
        "cloudwatch": fleet.client("cloudwatch"),
        "sqs": fleet.client("sqs"),
        "sources": metric_sources(),
        "signals": signals,
        "queue_url": fleet.config.queue_url,
    }
    options.update(overrides)
    return Collectors(**options)  # type: ignore[arg-type]


SIGNALS = [
    SignalSpec("InFlightRequests", 120),
    SignalSpec("GPUUtilization", 120),
    SignalSpec("RequestLatencyP95", 120),
    SignalSpec("QueueBacklog", 120),
]


def test_every_signal_in_one_metric_call(make_fleet: Callable[..., Fleet], aws_calls: list[str]) -> None:
    # GIVEN the agents published in-flight and GPU utilization (no latency), the lifecycle a warm-up, and a
    # queue holding 7 messages
    fleet = make_fleet(desired=2)
    fleet.put_in_flight(3.5)
    fleet.put_metric("GPUUtilization", 81.0)
    fleet.put_metric("WarmupSeconds", 240.0, age_seconds=300)
    for number in range(7):
        fleet.client("sqs").send_message(QueueUrl=fleet.config.queue_url, MessageBody=str(number))
    aws_calls.clear()
    # WHEN the collectors observe the group
    observation = collectors(fleet, SIGNALS).observe(now=fleet.clock.now, known_launch_times={})
    # THEN the readings are what was put; the absent metric is missing, not zero
    readings = {name: reading.value for name, reading in observation.readings.items()}
    assert readings == {
        "InFlightRequests": 3.5,
        "GPUUtilization": 81.0,
        "RequestLatencyP95": None,
        "QueueBacklog": 7.0,
    }
    assert observation.warmup.longest_seconds == 240.0
    assert observation.group.capacity.desired_capacity == 2
    assert len(observation.group.launch_times) == 2
    # AND the metrics came from one call, the launch times from one DescribeInstances
    assert aws_calls.count("cloudwatch.GetMetricData") == 1
    assert aws_calls.count("ec2.DescribeInstances") == 1
    assert aws_calls.count("autoscaling.DescribeAutoScalingGroups") == 1


def test_known_launch_times_are_not_asked_again(
    make_fleet: Callable[..., Fleet], aws_calls: list[str]
) -> None:
    # GIVEN a first observation that learned the launch times
    fleet = make_fleet(desired=3)
    first = collectors(fleet, SIGNALS).observe(now=fleet.clock.now, known_launch_times={})
    aws_calls.clear()
    # WHEN the next tick passes them back
    again = collectors(fleet, SIGNALS).observe(
        now=fleet.clock.now, known_launch_times=first.group.launch_times
    )
    # THEN EC2 is not asked, whatever the fleet size
    assert "ec2.DescribeInstances" not in aws_calls
    assert again.group.launch_times == first.group.launch_times


@pytest.mark.parametrize(
    ("age_seconds", "expected"),
    [
        pytest.param(5, 2.0, id="fresh"),
        pytest.param(119, 2.0, id="just-within-the-limit"),
        pytest.param(150, None, id="older-than-the-limit-is-missing"),
    ],
)
def test_stale_datapoint_is_missing(
    make_fleet: Callable[..., Fleet], age_seconds: float, expected: float | None
) -> None:
    # GIVEN one in-flight datapoint of a given age and a 120 s staleness limit
    fleet = make_fleet(desired=1)
    fleet.put_in_flight(2.0, age_seconds=age_seconds)
    # WHEN observed
    observation = collectors(fleet, [SignalSpec("InFlightRequests", 120)]).observe(
        now=fleet.clock.now, known_launch_times={}
    )
    # THEN a stale datapoint reads as missing (None), never as zero, and keeps its time (within one 10 s
    # period: CloudWatch dates a datapoint by its period) for the log
    reading = observation.readings["InFlightRequests"]
    assert reading.value == expected
    assert reading.timestamp is not None
    assert abs(fleet.clock.now - reading.timestamp - timedelta(seconds=age_seconds)) <= timedelta(seconds=10)


def test_configured_metric_name_is_read(make_fleet: Callable[..., Fleet]) -> None:
    # GIVEN the CloudWatch agent's nvidia_smi metric configured for the GPU signal
    fleet = make_fleet(desired=1)
    fleet.put_metric("nvidia_smi_utilization_gpu", 64.0, namespace="CWAgent")
    sources = metric_sources(
        {"GPUUtilization": {"namespace": "CWAgent", "metric_name": "nvidia_smi_utilization_gpu"}}
    )
    # WHEN observed
    observation = collectors(fleet, [SignalSpec("GPUUtilization", 120)], sources=sources).observe(
        now=fleet.clock.now, known_launch_times={}
    )
    # THEN the configured metric answers the signal
    assert observation.readings["GPUUtilization"].value == 64.0


def test_failed_collector_leaves_its_signals_missing(make_fleet: Callable[..., Fleet]) -> None:
    # GIVEN a queue URL that does not exist and metrics that were put
    fleet = make_fleet(desired=1)
    fleet.put_in_flight(2.0)
    # WHEN observed
    observation = collectors(fleet, SIGNALS, queue_url=f"{fleet.config.queue_url}-gone").observe(
        now=fleet.clock.now, known_launch_times={}
    )
    # THEN the backlog is missing with the reason logged; the other signals are still read
    assert observation.readings["QueueBacklog"].value is None
    assert observation.readings["InFlightRequests"].value == 2.0
    assert any("GetQueueAttributes" in error for error in observation.errors)


@pytest.mark.parametrize(
    ("setting", "backlog"),
    [
        pytest.param("", 2.0, id="delayed-left-out-by-default"),
        pytest.param("true", 5.0, id="delayed-counted-when-configured"),
    ],
)
def test_delayed_messages_count_only_when_configured(
    make_fleet: Callable[..., Fleet], setting: str, backlog: float
) -> None:
    # GIVEN a queue holding 2 messages and 3 delayed for 15 minutes, and QUEUE_COUNT_DELAYED as set
    fleet = make_fleet(desired=1)
    queue = fleet.client("sqs")
    for number in range(2):
        queue.send_message(QueueUrl=fleet.config.queue_url, MessageBody=str(number))
    for number in range(3):
        queue.send_message(QueueUrl=fleet.config.queue_url, MessageBody=f"later {number}", DelaySeconds=900)
    config = ScalerConfig.from_env(
        {"GROUP_NAME": fleet.group, "STATE_TABLE": "t", "QUEUE_COUNT_DELAYED": setting}
    )
    # WHEN the backlog is collected with that setting (KEDA's scaleOnDelayed)
    observed = collectors(
        fleet, [SignalSpec("QueueBacklog", 120)], include_delayed=config.queue_count_delayed
    ).observe(now=fleet.clock.now, known_launch_times={})
    # THEN the delayed messages join the backlog only when configured
    assert observed.readings["QueueBacklog"].value == backlog
