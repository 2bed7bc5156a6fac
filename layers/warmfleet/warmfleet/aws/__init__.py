"""Thin adapters over injected boto3 clients: each turns AWS calls into the small ports the functions use."""

from __future__ import annotations

from warmfleet.aws.action_store import DynamoActionStore
from warmfleet.aws.lifecycle_hooks import (
    AutoScalingLifecycleHooks,
    Ec2InstanceAddresses,
    HookAction,
    HookCallStatus,
    InstanceAddresses,
    LifecycleHooks,
)

__all__ = [
    "AutoScalingLifecycleHooks",
    "DynamoActionStore",
    "Ec2InstanceAddresses",
    "HookAction",
    "HookCallStatus",
    "InstanceAddresses",
    "LifecycleHooks",
]
