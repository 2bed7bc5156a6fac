"""The Lambda entry point as deployed: boto3 clients built after validation, DynamoDB on the moto server,
and the metrics in EMF exactly as the template's dashboard and alarms read them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from warmfleet.aws import CloudFormationRolloutSignals, RolloutTarget, SignalStatus
from warmfleet.lifecycle import InMemoryLifecycleHooks, InMemoryRolloutSignals

from tests.conftest import FakeLambdaContext, load_event, load_function
from tests.functional.lifecycle.conftest import GROUP, INSTANCE, LAUNCH_HOOK, create_state_table, event_time


def emf_records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{") and '"_aws"' in line]


def test_launch_then_failed_warmup_through_the_entry_point(
    moto_server: str,
    dynamodb: Any,
    function_env: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: FakeLambdaContext,
    aws_calls: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the function's environment, its table on the moto server, and the hook fake (moto has none)
    function_env("lifecycle")
    monkeypatch.setenv("STATE_TABLE", create_state_table(dynamodb))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    app = load_function("lifecycle")
    hooks = InMemoryLifecycleHooks(clock=lambda: event_time("lifecycle/launch.json"))
    token = hooks.launch(
        GROUP,
        INSTANCE,
        LAUNCH_HOOK,
        600,
        token=load_event("lifecycle/launch.json")["detail"]["LifecycleActionToken"],
    )
    app.gate().runner.hooks = hooks
    # (and, with ROLLOUT_* set as the template sets them, the roll-out adapter, swapped for its fake during a
    # deploy: moto has no SignalResource)
    adapter = app.gate().runner.rollout
    assert isinstance(adapter, CloudFormationRolloutSignals)
    assert adapter.target == RolloutTarget("warmfleet-dev", "FleetGroup")
    cloudformation = InMemoryRolloutSignals(adapter.target)
    cloudformation.begin_update(expected_signals=1)
    app.gate().runner.rollout = cloudformation
    aws_calls.clear()
    # WHEN the launch action and then Instance Warm-up Failed arrive
    recorded = app.lambda_handler(load_event("lifecycle/launch.json"), lambda_context)
    assert aws_calls == ["dynamodb.GetItem", "dynamodb.PutItem"]
    capsys.readouterr()
    abandoned = app.lambda_handler(load_event("instance/warmup-failed.json"), lambda_context)
    # THEN the action was recorded, then abandoned with the token
    assert (recorded["status"], recorded["reason"]) == ("done", "new-action")
    assert (abandoned["status"], abandoned["reason"], abandoned["token"]) == ("done", "warmup-failed", token)
    assert hooks.state(INSTANCE) == "Terminated"
    # AND the deploy was told, so it stops and rolls back
    assert (abandoned["rolloutSignal"], cloudformation.calls) == ("sent", [(INSTANCE, SignalStatus.FAILURE)])
    # AND Abandoned is published in namespace warmfleet with the dimension {AutoScalingGroupName} only
    (emf,) = emf_records(capsys.readouterr().out)
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "warmfleet"
    assert directive["Dimensions"] == [["AutoScalingGroupName"]]
    assert [m["Name"] for m in directive["Metrics"]] == ["Abandoned"]
    assert emf["AutoScalingGroupName"] == GROUP and emf["Abandoned"] == [1.0]
    assert "service" not in emf


def test_without_rollout_settings_no_cloudformation_client_and_no_signal(
    moto_server: str,
    dynamodb: Any,
    function_env: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: FakeLambdaContext,
    aws_calls: list[str],
) -> None:
    # GIVEN the function's environment without ROLLOUT_STACK_NAME and ROLLOUT_RESOURCE_ID
    function_env("lifecycle")
    monkeypatch.delenv("ROLLOUT_STACK_NAME")
    monkeypatch.delenv("ROLLOUT_RESOURCE_ID")
    monkeypatch.setenv("STATE_TABLE", create_state_table(dynamodb))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    app = load_function("lifecycle")
    hooks = InMemoryLifecycleHooks(clock=lambda: event_time("lifecycle/launch.json"))
    hooks.launch(
        GROUP,
        INSTANCE,
        LAUNCH_HOOK,
        600,
        token=load_event("lifecycle/launch.json")["detail"]["LifecycleActionToken"],
    )
    app.gate().runner.hooks = hooks
    aws_calls.clear()
    # WHEN a launch is recorded and abandoned
    app.lambda_handler(load_event("lifecycle/launch.json"), lambda_context)
    abandoned = app.lambda_handler(load_event("instance/warmup-failed.json"), lambda_context)
    # THEN the gate has no roll-out to signal, and no CloudFormation call was made
    assert app.gate().runner.rollout is None
    assert (abandoned["reason"], "rolloutSignal" in abandoned) == ("warmup-failed", False)
    assert hooks.state(INSTANCE) == "Terminated"
    assert [call for call in aws_calls if call.startswith("cloudformation.")] == []
