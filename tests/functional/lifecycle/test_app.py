"""The Lambda entry point as deployed: boto3 clients built after validation, DynamoDB on the moto server,
and the metrics in EMF exactly as the template's dashboard and alarms read them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from warmfleet.lifecycle import InMemoryLifecycleHooks

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
    # AND Abandoned is published in namespace warmfleet with the dimension {AutoScalingGroupName} only
    (emf,) = emf_records(capsys.readouterr().out)
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "warmfleet"
    assert directive["Dimensions"] == [["AutoScalingGroupName"]]
    assert [m["Name"] for m in directive["Metrics"]] == ["Abandoned"]
    assert emf["AutoScalingGroupName"] == GROUP and emf["Abandoned"] == [1.0]
    assert "service" not in emf
