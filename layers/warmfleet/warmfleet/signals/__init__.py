"""Collectors: observe the group and its signals, never decide (KEDA's scalers are the model).

One module per source, each with its raw-response parsing as a pure function: `cloudwatch` (every
group-level metric in one GetMetricData), `sqs` (queue backlog), `group` (DescribeAutoScalingGroups and
launch times), `warmup` (warm-up figures), `activities` (failed scaling activities), `instances` (per-
instance in-flight work for the scale-in choice), `pause` (the SSM pause switch); `sources` maps a policy's
signal names to metrics; `collect` runs them for one tick. A datapoint older than its staleness limit is
missing, never zero.
"""

from __future__ import annotations

from warmfleet.signals.activities import ScalingActivity, collect_failed_activities
from warmfleet.signals.collect import Collectors, Observation, SignalSpec
from warmfleet.signals.group import (
    PAUSE_TAG,
    GroupSnapshot,
    PendingLaunches,
    track_unlisted_launches,
    unlisted_launch_instances,
)
from warmfleet.signals.instances import collect_instance_in_flight
from warmfleet.signals.pause import PauseSwitch
from warmfleet.signals.sources import (
    DEFAULT_METRIC_SOURCES,
    IN_FLIGHT_METRIC,
    MetricSource,
    SignalName,
    check_signals_have_sources,
    metric_sources,
)
from warmfleet.signals.warmup import WarmupFigures

__all__ = [
    "DEFAULT_METRIC_SOURCES",
    "IN_FLIGHT_METRIC",
    "PAUSE_TAG",
    "Collectors",
    "GroupSnapshot",
    "MetricSource",
    "Observation",
    "PauseSwitch",
    "PendingLaunches",
    "ScalingActivity",
    "SignalName",
    "SignalSpec",
    "WarmupFigures",
    "check_signals_have_sources",
    "collect_failed_activities",
    "collect_instance_in_flight",
    "metric_sources",
    "track_unlisted_launches",
    "unlisted_launch_instances",
]
