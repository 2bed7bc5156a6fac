"""The instance events: the one place their shapes are built (the contract with the lifecycle function).

DESIGN.md fixes the contract: EventBridge events on the default bus with `source: "warmfleet.instance"`,
`detail-type` one of `Instance Warm`, `Instance Warm-up Failed`, `Instance Drained`, and a `detail` that
always carries `instanceId`, `autoScalingGroupName` and `modelVersion`. The builders below are pure: they
take numbers and names and return the PutEvents entry
(https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html), so the
lifecycle function's tests, the local fleet and the agent all see exactly the same shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

EVENT_SOURCE = "warmfleet.instance"


class InstanceEventType(StrEnum):
    """The `detail-type` of each instance event."""

    WARM = "Instance Warm"
    WARMUP_FAILED = "Instance Warm-up Failed"
    DRAINED = "Instance Drained"


class WarmupFailureReason(StrEnum):
    """Why an instance never became warm (`detail.reasonCode`; `detail.reason` says it in words)."""

    SERVER_FAILED = "server-failed"
    TIMEOUT = "timeout"
    SERVER_EXITED = "server-exited"
    BOOTSTRAP_FAILED = "bootstrap-failed"  # bootstrap.sh stopped before the server could start


class DrainTrigger(StrEnum):
    """What started a drain (`detail.trigger`)."""

    SIGTERM = "sigterm"
    LIFECYCLE_STATE = "lifecycle-state"


@dataclass(frozen=True)
class InstanceIdentity:
    """The fields every instance event carries."""

    instance_id: str
    auto_scaling_group_name: str
    model_version: str

    def detail(self) -> dict[str, Any]:
        return {
            "instanceId": self.instance_id,
            "autoScalingGroupName": self.auto_scaling_group_name,
            "modelVersion": self.model_version,
        }


@dataclass(frozen=True)
class DrainOutcome:
    """How a drain ended: how long it took and what it had to cut short when the drain timeout hit.

    `released_messages` were held but never started: handed back to the queue (visibility 0) for another
    instance, which is normal on any drain. `cut_in_flight_requests` and `cut_held_messages` are the
    requests and messages still being worked on when the timeout hit; the messages among them were handed
    back too, so none is lost, but their work was wasted.
    """

    drain_seconds: float
    trigger: DrainTrigger
    timed_out: bool = False
    released_messages: int = 0
    cut_in_flight_requests: int = 0
    cut_held_messages: int = 0
    target_lifecycle_state: str | None = None  # from IMDS, when known: `Warmed:Stopped` is not a termination


def _entry(event_type: InstanceEventType, detail: dict[str, Any], bus: str) -> dict[str, Any]:
    return {
        "Source": EVENT_SOURCE,
        "DetailType": event_type.value,
        "Detail": json.dumps(detail, sort_keys=True),
        "EventBusName": bus,
    }


def build_warm_event(
    identity: InstanceIdentity, warmup_seconds: float, *, bus: str = "default"
) -> dict[str, Any]:
    """`Instance Warm`: the server answered ready after `warmup_seconds`.

    Example
    -------
    >>> e = build_warm_event(InstanceIdentity("i-1", "g", "v1"), 12.5)
    >>> e["DetailType"], json.loads(e["Detail"])["warmupSeconds"]
    ('Instance Warm', 12.5)
    """
    if warmup_seconds < 0:
        raise ValueError(f"warmupSeconds cannot be negative: {warmup_seconds}")
    detail = identity.detail() | {"warmupSeconds": round(warmup_seconds, 3)}
    return _entry(InstanceEventType.WARM, detail, bus)


def build_warmup_failed_event(
    identity: InstanceIdentity,
    reason_code: WarmupFailureReason,
    reason: str,
    waited_seconds: float,
    *,
    bus: str = "default",
) -> dict[str, Any]:
    """`Instance Warm-up Failed`: the server reported failed, never became ready in time, or exited."""
    detail = identity.detail() | {
        "reasonCode": reason_code.value,
        "reason": reason,
        "warmupSeconds": round(max(waited_seconds, 0.0), 3),
    }
    return _entry(InstanceEventType.WARMUP_FAILED, detail, bus)


def build_drained_event(
    identity: InstanceIdentity, outcome: DrainOutcome, *, bus: str = "default"
) -> dict[str, Any]:
    """`Instance Drained`: the instance holds no request and no message; it may be terminated.

    `reason` is present only when the drain timeout cut work short, and says what in words; `cutShort`
    says it in numbers. `targetLifecycleState` (when IMDS answered) tells a SIGTERM on the way into a warm
    pool (`Warmed:Stopped`) from a termination.
    """
    detail = identity.detail() | {
        "drainSeconds": round(max(outcome.drain_seconds, 0.0), 3),
        "trigger": outcome.trigger.value,
        "timedOut": outcome.timed_out,
        "releasedMessages": outcome.released_messages,
        "cutShort": {
            "inFlightRequests": outcome.cut_in_flight_requests,
            "heldMessages": outcome.cut_held_messages,
        },
    }
    if outcome.target_lifecycle_state is not None:
        detail["targetLifecycleState"] = outcome.target_lifecycle_state
    if outcome.timed_out:
        detail["reason"] = (
            f"drain timeout after {outcome.drain_seconds:.0f}s: {outcome.cut_in_flight_requests} request(s) "
            f"still in flight, {outcome.cut_held_messages} queue message(s) returned to the queue"
        )
    return _entry(InstanceEventType.DRAINED, detail, bus)
