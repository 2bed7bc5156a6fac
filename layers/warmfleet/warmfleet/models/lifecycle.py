"""The Auto Scaling lifecycle-action events that EventBridge delivers to the lifecycle function.

Shapes from the AWS documentation, "Amazon EventBridge events for Amazon EC2 Auto Scaling"
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/automating-ec2-auto-scaling-with-eventbridge.html) and
"Lifecycle hooks for warm pools": `Origin` and `Destination` say whether the instance comes from or goes to
the warm pool, which decides whether the model still has to be downloaded.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field, model_validator


class LifecycleDetailType(StrEnum):
    LAUNCH = "EC2 Instance-launch Lifecycle Action"
    TERMINATE = "EC2 Instance-terminate Lifecycle Action"


class LifecycleTransition(StrEnum):
    LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
    TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"


class LifecycleActionDetail(BaseModel):
    """The `detail` of a lifecycle action: what CompleteLifecycleAction needs, and where the instance goes."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    lifecycle_action_token: str = Field(alias="LifecycleActionToken", min_length=1)
    auto_scaling_group_name: str = Field(alias="AutoScalingGroupName", min_length=1)
    lifecycle_hook_name: str = Field(alias="LifecycleHookName", min_length=1)
    ec2_instance_id: str = Field(alias="EC2InstanceId", pattern=r"^i-[0-9a-f]{8,17}$")
    lifecycle_transition: LifecycleTransition = Field(alias="LifecycleTransition")
    notification_metadata: str | None = Field(default=None, alias="NotificationMetadata")
    origin: Literal["EC2", "AutoScalingGroup", "WarmPool"] | None = Field(default=None, alias="Origin")
    destination: Literal["EC2", "AutoScalingGroup", "WarmPool"] | None = Field(
        default=None, alias="Destination"
    )

    @property
    def from_warm_pool(self) -> bool:
        """The instance leaves the warm pool: its model is already on disk, the download is skipped."""
        return self.origin == "WarmPool"

    @property
    def to_warm_pool(self) -> bool:
        """The instance enters (launch) or returns to (terminate) the warm pool instead of serving/ending."""
        return self.destination == "WarmPool"


class LifecycleActionEvent(EventBridgeModel):
    """An `aws.autoscaling` lifecycle-action event whose detail-type matches its transition."""

    source: Literal["aws.autoscaling"]
    detail_type: LifecycleDetailType = Field(alias="detail-type")
    detail: LifecycleActionDetail

    @model_validator(mode="after")
    def _transition_matches_detail_type(self) -> LifecycleActionEvent:
        expected = (
            LifecycleTransition.LAUNCHING
            if self.detail_type is LifecycleDetailType.LAUNCH
            else LifecycleTransition.TERMINATING
        )
        if self.detail.lifecycle_transition is not expected:
            raise ValueError(
                f"detail-type {self.detail_type.value!r} needs transition {expected.value!r}, "
                f"got {self.detail.lifecycle_transition.value!r}"
            )
        return self
