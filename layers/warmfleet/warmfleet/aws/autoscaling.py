"""Auto Scaling adapter: set the desired capacity, and on scale-in remove the instances with the least work.

SetDesiredCapacity with `HonorCooldown=False` (warmfleet's own stabilization and rate limits replace the
group's cooldown) and only when the number differs. A scale-in removes chosen instances with
TerminateInstanceInAutoScalingGroup and `ShouldDecrementDesiredCapacity=True`, in the order Kubernetes'
ReplicaSet controller deletes pods (not ready before ready, then the least busy,
https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#pod-deletion-cost): unhealthy, then
still launching, then in service by in-flight requests, unknown work last; protected instances never. The
terminate hook then drains each one. A failed call is logged and reported, never raised: the next tick
observes the group again and retries. API: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from warmfleet.core.inputs import LAUNCHING_STATES, Instance, LifecycleState

if TYPE_CHECKING:
    from mypy_boto3_autoscaling import AutoScalingClient

logger = Logger(child=True)

_REMOVABLE = LAUNCHING_STATES | {LifecycleState.IN_SERVICE}


@dataclass(frozen=True)
class ApiFailure:
    """Why an AWS call failed, for one log line: the error code (`Throttling`, `AccessDenied`, ...), the
    HTTP status, how many retries botocore made before giving up, and AWS's message.

    A `ClientError` carries the service's answer; any other botocore error (a timeout, no connection) has no
    code, only its message.
    """

    operation: str
    code: str
    message: str
    http_status: int | None = None
    retry_attempts: int | None = None

    @classmethod
    def of(cls, operation: str, error: Exception) -> ApiFailure:
        response = getattr(error, "response", None)
        if not isinstance(response, Mapping):
            return cls(operation, type(error).__name__, str(error))
        details, metadata = response.get("Error", {}), response.get("ResponseMetadata", {})
        return cls(
            operation,
            str(details.get("Code") or type(error).__name__),
            str(details.get("Message") or error),
            metadata.get("HTTPStatusCode"),
            metadata.get("RetryAttempts"),
        )

    def as_log(self) -> dict[str, object]:
        return {
            "operation": self.operation,
            "errorCode": self.code,
            "errorMessage": self.message,
            "httpStatus": self.http_status,
            "retryAttempts": self.retry_attempts,
        }

    def __str__(self) -> str:
        retries = f", after {self.retry_attempts} retries" if self.retry_attempts else ""
        return f"{self.operation} failed ({self.code}{retries}): {self.message}"


def removal_order(instance: Instance, in_flight: Mapping[str, float | None]) -> tuple[int, float, str]:
    """Sort key: unhealthy (0), launching (1), in service (2); then in-flight work, unknown as infinite."""
    if not instance.healthy:
        rank = 0
    elif instance.lifecycle_state in LAUNCHING_STATES:
        rank = 1
    else:
        rank = 2
    work = in_flight.get(instance.instance_id)
    return rank, math.inf if work is None else work, instance.instance_id


def choose_instances_to_remove(
    instances: Sequence[Instance], in_flight: Mapping[str, float | None], count: int
) -> list[str]:
    """The `count` instances a scale-in removes first (fewer when fewer may go).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> group = [Instance(instance_id=i, lifecycle_state="InService", launch_time=at)
    ...          for i in ("a", "b", "c")]
    >>> choose_instances_to_remove(group, {"a": 3.0, "b": 0.0, "c": None}, 2)
    ['b', 'a']
    """
    candidates = [
        instance
        for instance in instances
        if instance.lifecycle_state in _REMOVABLE and not instance.protected_from_scale_in
    ]
    candidates.sort(key=lambda instance: removal_order(instance, in_flight))
    return [instance.instance_id for instance in candidates[: max(0, count)]]


@dataclass
class ActionReport:
    """What the adapter did and what failed (for the decision log and the outcome)."""

    set_desired: int | None = None
    terminated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"setDesired": self.set_desired, "terminated": self.terminated, "errors": self.errors}


class GroupActuator:
    """The group's scaling calls, through an injected boto3 Auto Scaling client."""

    def __init__(self, client: AutoScalingClient, group: str) -> None:
        self._client = client
        self._group = group

    @property
    def client(self) -> AutoScalingClient:
        return self._client

    def plan_removals(
        self, instances: Sequence[Instance], in_flight: Mapping[str, float | None], count: int
    ) -> list[str]:
        """Which instances a scale-in of `count` would terminate (see `choose_instances_to_remove`)."""
        return choose_instances_to_remove(instances, in_flight, count)

    def set_desired_capacity(self, desired: int, current: int, report: ActionReport) -> None:
        if desired == current:
            return
        try:
            self._client.set_desired_capacity(
                AutoScalingGroupName=self._group, DesiredCapacity=desired, HonorCooldown=False
            )
        except Exception as error:  # any failure: logged, retried by the next tick's decision
            logger.error("SetDesiredCapacity failed", extra={"desired": desired, "error": str(error)})
            report.errors.append(f"SetDesiredCapacity({desired}): {error}")
            return
        report.set_desired = desired

    def terminate_with_decrement(self, instance_ids: Sequence[str], report: ActionReport) -> None:
        for instance_id in instance_ids:
            try:
                self._client.terminate_instance_in_auto_scaling_group(
                    InstanceId=instance_id, ShouldDecrementDesiredCapacity=True
                )
            except Exception as error:
                logger.error(
                    "TerminateInstanceInAutoScalingGroup failed",
                    extra={"instanceId": instance_id, "error": str(error)},
                )
                report.errors.append(f"TerminateInstanceInAutoScalingGroup({instance_id}): {error}")
                continue
            report.terminated.append(instance_id)

    def apply(
        self,
        *,
        desired: int,
        current: int,
        instances: Sequence[Instance],
        in_flight: Mapping[str, float | None] | None,
        unlisted: int = 0,
    ) -> ActionReport:
        """Reach `desired`: chosen terminations on scale-in, then SetDesiredCapacity for the rest.

        `in_flight` None means the per-instance work could not be read: the group's own termination policy
        then chooses (SetDesiredCapacity alone), rather than a guess. The first `unlisted` of a scale-in are
        launches the group owes and has not started: lowering the desired capacity cancels them, so only
        the rest are chosen among running instances.
        """
        report = ActionReport()
        to_choose = current - desired - unlisted
        if to_choose > 0 and in_flight is not None:
            chosen = choose_instances_to_remove(instances, in_flight, to_choose)
            self.terminate_with_decrement(chosen, report)
            current -= len(report.terminated)
        self.set_desired_capacity(desired, current, report)
        return report
