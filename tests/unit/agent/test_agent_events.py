"""The instance events' shapes: the contract the lifecycle function consumes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from warmfleet.models.instance import InstanceEvent
from warmfleet_inference.agent.events import (
    EVENT_SOURCE,
    DrainOutcome,
    DrainTrigger,
    InstanceEventType,
    InstanceIdentity,
    WarmupFailureReason,
    build_drained_event,
    build_warm_event,
    build_warmup_failed_event,
)

IDENTITY = InstanceIdentity("i-0123456789abcdef0", "warmfleet-gpu", "v7")
REQUIRED = {
    "instanceId": "i-0123456789abcdef0",
    "autoScalingGroupName": "warmfleet-gpu",
    "modelVersion": "v7",
}


@pytest.mark.parametrize(
    ("entry", "detail_type", "extra"),
    [
        pytest.param(
            build_warm_event(IDENTITY, 41.25), InstanceEventType.WARM, {"warmupSeconds": 41.25}, id="warm"
        ),
        pytest.param(
            build_warmup_failed_event(IDENTITY, WarmupFailureReason.TIMEOUT, "not ready after 900s", 900.0),
            InstanceEventType.WARMUP_FAILED,
            {"reasonCode": "timeout", "reason": "not ready after 900s", "warmupSeconds": 900.0},
            id="warmup-failed",
        ),
        pytest.param(
            build_drained_event(IDENTITY, DrainOutcome(drain_seconds=12.3456, trigger=DrainTrigger.SIGTERM)),
            InstanceEventType.DRAINED,
            {
                "drainSeconds": 12.346,
                "trigger": "sigterm",
                "timedOut": False,
                "releasedMessages": 0,
                "cutShort": {"inFlightRequests": 0, "heldMessages": 0},
            },
            id="drained-clean",
        ),
        pytest.param(
            build_drained_event(
                IDENTITY,
                DrainOutcome(
                    drain_seconds=300,
                    trigger=DrainTrigger.LIFECYCLE_STATE,
                    timed_out=True,
                    released_messages=2,
                    cut_in_flight_requests=1,
                    cut_held_messages=3,
                ),
            ),
            InstanceEventType.DRAINED,
            {
                "drainSeconds": 300,
                "trigger": "lifecycle-state",
                "timedOut": True,
                "releasedMessages": 2,
                "cutShort": {"inFlightRequests": 1, "heldMessages": 3},
                "reason": "drain timeout after 300s: 1 request(s) still in flight, "
                "3 queue message(s) returned to the queue",
            },
            id="drained-timed-out",
        ),
        pytest.param(
            build_drained_event(
                IDENTITY,
                DrainOutcome(3.0, DrainTrigger.SIGTERM, target_lifecycle_state="Warmed:Stopped"),
            ),
            InstanceEventType.DRAINED,
            {
                "drainSeconds": 3.0,
                "trigger": "sigterm",
                "timedOut": False,
                "releasedMessages": 0,
                "cutShort": {"inFlightRequests": 0, "heldMessages": 0},
                "targetLifecycleState": "Warmed:Stopped",
            },
            id="drained-into-warm-pool",
        ),
    ],
)
def test_event_shapes(entry: dict[str, Any], detail_type: InstanceEventType, extra: dict[str, Any]) -> None:
    # GIVEN an event built by the agent
    # THEN it is a PutEvents entry for the default bus with the contract's source, type and detail
    assert entry["Source"] == EVENT_SOURCE == "warmfleet.instance"
    assert entry["DetailType"] == detail_type.value
    assert entry["EventBusName"] == "default"
    assert json.loads(entry["Detail"]) == REQUIRED | extra


def _as_delivered(entry: dict[str, Any]) -> dict[str, Any]:
    """What EventBridge delivers for a PutEvents entry (the envelope the lifecycle function receives)."""
    return {
        "version": "0",
        "id": "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": "123456789012",
        "time": "2026-11-27T10:19:02Z",
        "region": "us-east-1",
        "resources": [],
        "detail": json.loads(entry["Detail"]),
    }


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(build_warm_event(IDENTITY, 41.25), id="warm"),
        pytest.param(
            build_warmup_failed_event(IDENTITY, WarmupFailureReason.SERVER_FAILED, "checksum mismatch", 3.0),
            id="warmup-failed",
        ),
        pytest.param(build_drained_event(IDENTITY, DrainOutcome(5.0, DrainTrigger.SIGTERM)), id="drained"),
        pytest.param(
            build_drained_event(IDENTITY, DrainOutcome(300.0, DrainTrigger.SIGTERM, timed_out=True)),
            id="drained-timed-out",
        ),
    ],
)
def test_the_lifecycle_function_parses_every_event_the_agent_builds(entry: dict[str, Any]) -> None:
    # GIVEN an event as the agent builds it and EventBridge delivers it
    # WHEN the lifecycle function's model parses it
    event = InstanceEvent.model_validate(_as_delivered(entry))
    # THEN it is accepted with the same type and identity: producer and consumer share one contract
    assert event.detail_type.value == entry["DetailType"]
    assert event.detail.instance_id == IDENTITY.instance_id
    assert event.detail.model_version == IDENTITY.model_version


def test_detail_types_are_the_contract_names() -> None:
    assert [t.value for t in InstanceEventType] == [
        "Instance Warm",
        "Instance Warm-up Failed",
        "Instance Drained",
    ]


def test_a_negative_warmup_is_refused() -> None:
    # GIVEN a clock that went backwards; WHEN a warm event is built; THEN it is refused, not sent wrong
    with pytest.raises(ValueError, match="negative"):
        build_warm_event(IDENTITY, -1.0)


def test_another_bus_can_be_named() -> None:
    assert build_warm_event(IDENTITY, 1.0, bus="fleet-bus")["EventBusName"] == "fleet-bus"
