"""Typed models of every event the warmfleet functions receive.

Each model is a pydantic model parsed with Powertools' parser: the EventBridge envelopes for the Auto Scaling
lifecycle actions, the CloudWatch alarm state changes and the instance agent's events, and the small JSON
payloads that the schedules send (the scaler tick, the lifecycle sweep). A handler parses first and acts only
on what parsed.
"""

from __future__ import annotations

from warmfleet.models.alarm import AlarmState, AlarmStateChangeDetail, AlarmStateChangeEvent, AlarmStateValue
from warmfleet.models.instance import (
    InstanceDetailType,
    InstanceDrainedDetail,
    InstanceEvent,
    InstanceEventDetail,
    InstanceWarmDetail,
    InstanceWarmupFailedDetail,
)
from warmfleet.models.lifecycle import (
    LifecycleActionDetail,
    LifecycleActionEvent,
    LifecycleDetailType,
    LifecycleTransition,
)
from warmfleet.models.schedule import ScheduleEvent
from warmfleet.models.ticks import ScalerTick, SweepTick

__all__ = [
    "AlarmState",
    "AlarmStateChangeDetail",
    "AlarmStateChangeEvent",
    "AlarmStateValue",
    "InstanceDetailType",
    "InstanceDrainedDetail",
    "InstanceEvent",
    "InstanceEventDetail",
    "InstanceWarmDetail",
    "InstanceWarmupFailedDetail",
    "LifecycleActionDetail",
    "LifecycleActionEvent",
    "LifecycleDetailType",
    "LifecycleTransition",
    "ScalerTick",
    "ScheduleEvent",
    "SweepTick",
]
