"""Thin adapters over injected boto3 clients: each turns AWS calls into the small ports the functions use."""

from __future__ import annotations

from warmfleet.aws.action_store import DynamoActionStore
from warmfleet.aws.autoscaling import ActionReport, GroupActuator, choose_instances_to_remove
from warmfleet.aws.lifecycle_hooks import (
    AutoScalingLifecycleHooks,
    Ec2InstanceAddresses,
    HookAction,
    HookCallStatus,
    InstanceAddresses,
    LifecycleHooks,
)
from warmfleet.aws.rollout_signal import (
    CloudFormationRolloutSignals,
    RolloutSignals,
    RolloutTarget,
    SignalOutcome,
    SignalStatus,
)
from warmfleet.aws.scaler_state import ScalerState, ScalerStateStore, StateKind

__all__ = [
    "ActionReport",
    "AutoScalingLifecycleHooks",
    "CloudFormationRolloutSignals",
    "DynamoActionStore",
    "Ec2InstanceAddresses",
    "GroupActuator",
    "HookAction",
    "HookCallStatus",
    "InstanceAddresses",
    "LifecycleHooks",
    "RolloutSignals",
    "RolloutTarget",
    "ScalerState",
    "ScalerStateStore",
    "SignalOutcome",
    "SignalStatus",
    "StateKind",
    "choose_instances_to_remove",
]
