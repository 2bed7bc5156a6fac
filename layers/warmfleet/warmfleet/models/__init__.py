"""Typed models of every event the warmfleet functions receive.

Each model is a pydantic model parsed with Powertools' parser: the EventBridge envelopes for the Auto Scaling
lifecycle actions, the CloudWatch alarm state changes and the instance agent's events, and the small JSON
payloads that the schedules send (the scaler tick, the lifecycle sweep). A handler parses first and acts only
on what parsed.

The names load lazily (PEP 562): a function imports only the models it uses, which keeps the scaler's
cold start from paying for Powertools' parser models of events it never receives.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warmfleet.models.alarm import (
        AlarmState,
        AlarmStateChangeDetail,
        AlarmStateChangeEvent,
        AlarmStateValue,
    )
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

_MODULE_OF = {
    "AlarmState": "alarm",
    "AlarmStateChangeDetail": "alarm",
    "AlarmStateChangeEvent": "alarm",
    "AlarmStateValue": "alarm",
    "InstanceDetailType": "instance",
    "InstanceDrainedDetail": "instance",
    "InstanceEvent": "instance",
    "InstanceEventDetail": "instance",
    "InstanceWarmDetail": "instance",
    "InstanceWarmupFailedDetail": "instance",
    "LifecycleActionDetail": "lifecycle",
    "LifecycleActionEvent": "lifecycle",
    "LifecycleDetailType": "lifecycle",
    "LifecycleTransition": "lifecycle",
    "ScalerTick": "ticks",
    "ScheduleEvent": "schedule",
    "SweepTick": "ticks",
}

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


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
