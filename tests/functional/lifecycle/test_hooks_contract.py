"""One contract for the lifecycle-hooks port, passed by the boto3 adapter and by the in-memory fake.

Each case says what AWS holds (for the fake: set up through its controls) and what AWS answers to the
adapter's exact request (for the adapter: queued on botocore's Stubber, which also checks every request's
parameters and every response's shape against the service model). Both must give the same result. The
messages are AWS's own: "No active Lifecycle Action found with token ..." / "... with instance ID ...".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from warmfleet.aws import AutoScalingLifecycleHooks, HookAction, HookCallStatus, LifecycleHooks
from warmfleet.lifecycle import InMemoryLifecycleHooks

GROUP, LAUNCH_HOOK, TERMINATE_HOOK = "fleet", "launch-hook", "terminate-hook"
LAUNCHING, TERMINATING, GONE = "i-00000000000000001", "i-00000000000000002", "i-00000000000000009"
LAUNCH_TOKEN, TERMINATE_TOKEN = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"
STALE = "00000000-0000-0000-0000-0000000000ff"


@dataclass(frozen=True)
class Exchange:
    """One request the adapter must send, and AWS's answer (a response, or an error code and message)."""

    operation: str
    params: dict[str, Any]
    response: dict[str, Any] = field(default_factory=dict)
    error: tuple[str, str] | None = None


def complete(token: str | None, result: str, instance: str = LAUNCHING, hook: str = LAUNCH_HOOK) -> Exchange:
    key = {"LifecycleActionToken": token} if token else {"InstanceId": instance}
    return Exchange(
        "complete_lifecycle_action",
        {"AutoScalingGroupName": GROUP, "LifecycleHookName": hook, "LifecycleActionResult": result, **key},
    )


def heartbeat(token: str | None, instance: str = LAUNCHING) -> Exchange:
    key = {"LifecycleActionToken": token} if token else {"InstanceId": instance}
    return Exchange(
        "record_lifecycle_action_heartbeat",
        {"AutoScalingGroupName": GROUP, "LifecycleHookName": LAUNCH_HOOK, **key},
    )


def refused(exchange: Exchange, token: str | None, instance: str = LAUNCHING) -> Exchange:
    what = f"token {token}" if token else f"instance ID {instance}"
    return Exchange(
        exchange.operation,
        exchange.params,
        error=("ValidationError", f"No active Lifecycle Action found with {what}"),
    )


GROUP_RESPONSE = {
    "AutoScalingGroups": [
        {
            "AutoScalingGroupName": GROUP,
            "MinSize": 0,
            "MaxSize": 4,
            "DesiredCapacity": 2,
            "DefaultCooldown": 300,
            "AvailabilityZones": ["us-east-1a"],
            "HealthCheckType": "EC2",
            "CreatedTime": "2026-11-27T00:00:00Z",
            "Instances": [
                {
                    "InstanceId": i,
                    "AvailabilityZone": "us-east-1a",
                    "LifecycleState": s,
                    "HealthStatus": "Healthy",
                    "ProtectedFromScaleIn": False,
                }
                for i, s in ((LAUNCHING, "Pending:Wait"), (TERMINATING, "Terminating:Wait"))
            ],
        }
    ]
}


def instance_response(instance: str, state: str) -> dict[str, Any]:
    return {
        "AutoScalingInstances": [
            {
                "InstanceId": instance,
                "AutoScalingGroupName": GROUP,
                "AvailabilityZone": "us-east-1a",
                "LifecycleState": state,
                "HealthStatus": "HEALTHY",
                "ProtectedFromScaleIn": False,
            }
        ]
    }


Call = Callable[[LifecycleHooks], object]
CASES: list[Any] = [
    pytest.param(
        [
            lambda h: h.complete(HookAction(GROUP, LAUNCH_HOOK, LAUNCHING, LAUNCH_TOKEN), "CONTINUE"),
            lambda h: h.complete(HookAction(GROUP, LAUNCH_HOOK, LAUNCHING, LAUNCH_TOKEN), "CONTINUE"),
            lambda h: h.instance_state(LAUNCHING),
        ],
        [HookCallStatus.DONE, HookCallStatus.NO_ACTIVE_ACTION, "InService"],
        [
            complete(LAUNCH_TOKEN, "CONTINUE"),
            refused(complete(LAUNCH_TOKEN, "CONTINUE"), LAUNCH_TOKEN),
            Exchange(
                "describe_auto_scaling_instances",
                {"InstanceIds": [LAUNCHING]},
                instance_response(LAUNCHING, "InService"),
            ),
        ],
        id="continue-by-token-then-token-is-spent",
    ),
    pytest.param(
        [lambda h: h.complete(HookAction(GROUP, LAUNCH_HOOK, LAUNCHING, STALE), "ABANDON")],
        [HookCallStatus.NO_ACTIVE_ACTION],
        [refused(complete(STALE, "ABANDON"), STALE)],
        id="unknown-token-refused",
    ),
    pytest.param(
        [
            lambda h: h.complete(HookAction(GROUP, LAUNCH_HOOK, LAUNCHING, None), "ABANDON"),
            lambda h: h.instance_state(LAUNCHING),
        ],
        [HookCallStatus.DONE, None],
        [
            complete(None, "ABANDON"),
            Exchange(
                "describe_auto_scaling_instances", {"InstanceIds": [LAUNCHING]}, {"AutoScalingInstances": []}
            ),
        ],
        id="abandon-by-instance-id-terminates",
    ),
    pytest.param(
        [lambda h: h.complete(HookAction(GROUP, LAUNCH_HOOK, GONE, None), "CONTINUE")],
        [HookCallStatus.NO_ACTIVE_ACTION],
        [refused(complete(None, "CONTINUE", GONE), None, GONE)],
        id="instance-without-action-refused",
    ),
    pytest.param(
        [lambda h: h.complete(HookAction(GROUP, TERMINATE_HOOK, TERMINATING, TERMINATE_TOKEN), "CONTINUE")],
        [HookCallStatus.DONE],
        [complete(TERMINATE_TOKEN, "CONTINUE", TERMINATING, TERMINATE_HOOK)],
        id="terminate-continue",
    ),
    pytest.param(
        [
            lambda h: h.heartbeat(HookAction(GROUP, LAUNCH_HOOK, LAUNCHING, LAUNCH_TOKEN)),
            lambda h: h.heartbeat(HookAction(GROUP, LAUNCH_HOOK, LAUNCHING, None)),
            lambda h: h.heartbeat(HookAction(GROUP, LAUNCH_HOOK, LAUNCHING, STALE)),
        ],
        [HookCallStatus.DONE, HookCallStatus.DONE, HookCallStatus.NO_ACTIVE_ACTION],
        [heartbeat(LAUNCH_TOKEN), heartbeat(None), refused(heartbeat(STALE), STALE)],
        id="heartbeat-by-token-and-instance-stale-refused",
    ),
    pytest.param(
        [lambda h: h.group_states(GROUP), lambda h: h.instance_state(TERMINATING)],
        [{LAUNCHING: "Pending:Wait", TERMINATING: "Terminating:Wait"}, "Terminating:Wait"],
        [
            Exchange("describe_auto_scaling_groups", {"AutoScalingGroupNames": [GROUP]}, GROUP_RESPONSE),
            Exchange(
                "describe_auto_scaling_instances",
                {"InstanceIds": [TERMINATING]},
                instance_response(TERMINATING, "Terminating:Wait"),
            ),
        ],
        id="who-is-waiting",
    ),
]


def fake_backend(exchanges: list[Exchange]) -> tuple[LifecycleHooks, Callable[[], None]]:
    hooks = InMemoryLifecycleHooks(clock=lambda: 1_000.0)
    hooks.launch(GROUP, LAUNCHING, LAUNCH_HOOK, 600, token=LAUNCH_TOKEN)
    hooks.terminate(GROUP, TERMINATING, TERMINATE_HOOK, 600, token=TERMINATE_TOKEN)
    return hooks, lambda: None


def boto3_backend(exchanges: list[Exchange]) -> tuple[LifecycleHooks, Callable[[], None]]:
    client = boto3.client("autoscaling", region_name="us-east-1")
    stubber = Stubber(client)
    for exchange in exchanges:
        if exchange.error:
            code, message = exchange.error
            stubber.add_client_error(exchange.operation, code, message, 400, expected_params=exchange.params)
        else:
            stubber.add_response(exchange.operation, exchange.response, expected_params=exchange.params)
    stubber.activate()
    return AutoScalingLifecycleHooks(client), stubber.assert_no_pending_responses


@pytest.mark.parametrize(
    "backend", [pytest.param(fake_backend, id="fake"), pytest.param(boto3_backend, id="boto3")]
)
@pytest.mark.parametrize(("steps", "expected", "exchanges"), CASES)
def test_lifecycle_hooks_contract(
    backend: Callable[[list[Exchange]], tuple[LifecycleHooks, Callable[[], None]]],
    steps: list[Call],
    expected: list[object],
    exchanges: list[Exchange],
) -> None:
    # GIVEN an instance in Pending:Wait and one in Terminating:Wait (as AWS holds them, or answers for them)
    hooks, all_answered = backend(exchanges)
    # WHEN the steps run in order
    results = [step(hooks) for step in steps]
    # THEN both backends give the same results, and the adapter sent exactly the expected requests
    assert results == expected
    all_answered()


def test_other_errors_propagate_for_lambda_to_retry() -> None:
    # GIVEN AWS throttling the call
    client = boto3.client("autoscaling", region_name="us-east-1")
    with Stubber(client) as stubber:
        stubber.add_client_error("complete_lifecycle_action", "Throttling", "Rate exceeded", 400)
        # WHEN / THEN the adapter does not mistake it for a spent token
        with pytest.raises(client.exceptions.ClientError, match="Throttling"):
            AutoScalingLifecycleHooks(client).complete(
                HookAction(GROUP, LAUNCH_HOOK, LAUNCHING, LAUNCH_TOKEN), "CONTINUE"
            )
