"""The CloudFormation roll-out adapter: tell a rolling update how each new instance's warm-up gate ended.

With `WaitOnResourceSignals` the group's `AutoScalingRollingUpdate` waits, batch by batch, for one signal
per new instance (DESIGN.md, "Lifecycle", "Model updates"): SignalResource SUCCESS counts the instance as
good, FAILURE fails the update at once and CloudFormation rolls it back. `RolloutSignals` is the port the
lifecycle gate uses; `CloudFormationRolloutSignals` implements it with an injected boto3 `cloudformation`
client, and `warmfleet.lifecycle.fake_rollout.InMemoryRolloutSignals` is a stateful fake of the resource that
waits (moto has no SignalResource). One contract test runs against both.
API reference: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_SignalResource.html

Outside a roll-out nobody waits: CloudFormation answers `ValidationError` "Stack arn:... is in
UPDATE_COMPLETE state and can not be signaled" (or "Resource FleetGroup is in UPDATE_COMPLETE state and can
not be signaled" while another resource of the stack updates). That is `SignalOutcome.NOT_IN_ROLLOUT`, not an
error: every launch outside a deploy (scale-out, replacement) gets it. Any other error, a stack that does not
exist included (a misconfiguration, not "no roll-out"), propagates for the caller to log.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

NOT_SIGNALABLE_MESSAGE = "can not be signaled"


class SignalStatus(StrEnum):
    """SignalResource's `Status`."""

    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


class SignalOutcome(StrEnum):
    SENT = "sent"
    NOT_IN_ROLLOUT = "not-in-rollout"


@dataclass(frozen=True)
class RolloutTarget:
    """Which resource waits for the signals: the stack (name or id) and the group's logical id."""

    stack_name: str
    resource_id: str


class RolloutSignals(Protocol):
    def signal(self, instance_id: str, status: SignalStatus) -> SignalOutcome:
        """Signal `status` for `instance_id` (the signal's UniqueId, as AWS asks for Auto Scaling groups)."""
        ...


def not_in_rollout(error: ClientError) -> bool:
    """CloudFormation's answer when the stack or the resource is not waiting for signals."""
    details = error.response.get("Error", {})
    return details.get("Code") == "ValidationError" and NOT_SIGNALABLE_MESSAGE in details.get("Message", "")


class CloudFormationRolloutSignals:
    """`RolloutSignals` on a boto3 `cloudformation` client."""

    def __init__(self, client: CloudFormationClient, target: RolloutTarget) -> None:
        self._client = client
        self.target = target

    def signal(self, instance_id: str, status: SignalStatus) -> SignalOutcome:
        try:
            self._client.signal_resource(
                StackName=self.target.stack_name,
                LogicalResourceId=self.target.resource_id,
                UniqueId=instance_id,
                Status=status.value,
            )
        except ClientError as error:
            if not_in_rollout(error):
                return SignalOutcome.NOT_IN_ROLLOUT
            raise
        return SignalOutcome.SENT
