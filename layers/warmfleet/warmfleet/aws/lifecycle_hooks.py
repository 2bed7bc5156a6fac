"""The Auto Scaling lifecycle-hook adapter: complete, heartbeat, and read who is waiting.

`LifecycleHooks` is the port the lifecycle gate uses; `AutoScalingLifecycleHooks` implements it with an
injected boto3 `autoscaling` client, and `warmfleet.lifecycle.fake_hooks.InMemoryLifecycleHooks` is a stateful
fake of the same hook state machine (moto implements neither CompleteLifecycleAction nor
RecordLifecycleActionHeartbeat). One contract test runs against both.

An action AWS no longer holds (its token expired on the hook's timeout, or another invocation completed it)
answers `ValidationError` "No active Lifecycle Action found with token ..." (or "... with instance ID ...");
that is `HookCallStatus.NO_ACTIVE_ACTION`, not an error: the caller records it and moves on. Any other
error propagates, so Lambda's retry takes over. API reference:
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html
`InstanceAddresses` reads an instance's private IP (EC2 DescribeInstances) for the verification over the VPC.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_autoscaling import AutoScalingClient
    from mypy_boto3_ec2 import EC2Client

NO_ACTIVE_ACTION_MESSAGE = "No active Lifecycle Action found with"


class HookCallStatus(StrEnum):
    DONE = "done"
    NO_ACTIVE_ACTION = "no-active-action"


@dataclass(frozen=True)
class HookAction:
    """Which action to complete or heartbeat: by token, or by instance id when `token` is None."""

    group_name: str
    hook_name: str
    instance_id: str
    token: str | None


class LifecycleHooks(Protocol):
    def complete(self, action: HookAction, result: str) -> HookCallStatus: ...

    def heartbeat(self, action: HookAction) -> HookCallStatus: ...

    def group_states(self, group_name: str) -> dict[str, str]:
        """Every instance of the group (warm pool excluded) to its `LifecycleState`."""
        ...

    def instance_state(self, instance_id: str) -> str | None:
        """The instance's `LifecycleState`, or None when no group has it."""
        ...


def _action_params(action: HookAction) -> dict[str, Any]:
    params: dict[str, Any] = {
        "AutoScalingGroupName": action.group_name,
        "LifecycleHookName": action.hook_name,
    }
    # With a token AWS matches the exact action; without one, the instance's current action of this hook.
    if action.token is not None:
        params["LifecycleActionToken"] = action.token
    else:
        params["InstanceId"] = action.instance_id
    return params


def _no_active_action(error: ClientError) -> bool:
    details = error.response.get("Error", {})
    return details.get("Code") == "ValidationError" and NO_ACTIVE_ACTION_MESSAGE in details.get("Message", "")


class AutoScalingLifecycleHooks:
    """`LifecycleHooks` on a boto3 `autoscaling` client."""

    def __init__(self, client: AutoScalingClient) -> None:
        self._client = client

    def complete(self, action: HookAction, result: str) -> HookCallStatus:
        try:
            self._client.complete_lifecycle_action(**_action_params(action), LifecycleActionResult=result)
        except ClientError as error:
            if _no_active_action(error):
                return HookCallStatus.NO_ACTIVE_ACTION
            raise
        return HookCallStatus.DONE

    def heartbeat(self, action: HookAction) -> HookCallStatus:
        try:
            self._client.record_lifecycle_action_heartbeat(**_action_params(action))
        except ClientError as error:
            if _no_active_action(error):
                return HookCallStatus.NO_ACTIVE_ACTION
            raise
        return HookCallStatus.DONE

    def group_states(self, group_name: str) -> dict[str, str]:
        response = self._client.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])
        return {
            instance["InstanceId"]: instance["LifecycleState"]
            for group in response["AutoScalingGroups"]
            for instance in group.get("Instances", [])
        }

    def instance_state(self, instance_id: str) -> str | None:
        response = self._client.describe_auto_scaling_instances(InstanceIds=[instance_id])
        for instance in response["AutoScalingInstances"]:
            if instance["InstanceId"] == instance_id:
                return instance["LifecycleState"]
        return None


class InstanceAddresses(Protocol):
    def private_ip(self, instance_id: str) -> str | None:
        """The address to verify the instance at, or None when it is gone."""
        ...


_GONE_EC2_STATES = frozenset({"shutting-down", "terminated", "stopping", "stopped"})


class Ec2InstanceAddresses:
    """`InstanceAddresses` from EC2 DescribeInstances: None for a missing or terminating instance."""

    def __init__(self, client: EC2Client) -> None:
        self._client = client

    def private_ip(self, instance_id: str) -> str | None:
        try:
            response = self._client.describe_instances(InstanceIds=[instance_id])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "InvalidInstanceID.NotFound":
                return None
            raise
        for reservation in response["Reservations"]:
            for instance in reservation["Instances"]:
                if instance["State"]["Name"] in _GONE_EC2_STATES:
                    return None
                return instance.get("PrivateIpAddress")
        return None
