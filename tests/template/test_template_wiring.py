"""The functions' environment, as the template sets it, is what their configuration loaders accept.

Each function's variables are resolved offline for a few parameter sets and handed to the real loaders
(`warmfleet.config`, `warmfleet.policy_loader`), so a renamed variable or a malformed JSON document in
template.yaml fails here rather than on the first event after a deploy.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from warmfleet.config import AlarmConfig, LifecycleConfig, ScalerConfig
from warmfleet.exceptions import ConfigurationError
from warmfleet.handlers.alarm import check_alarm_steps
from warmfleet.policy_loader import parse_policy
from warmfleet.schedules import check_policy_schedules, windows_from_env
from warmfleet.signals.sources import DEFAULT_METRIC_SOURCES, check_signals_have_sources
from warmfleet_inference.publishing.names import StackParameter

from .template_support import ROOT, STACK_NAME, Resolver, function_environment

PARAMETER_SETS = [
    pytest.param({}, id="defaults"),
    pytest.param(
        {
            "TargetGpuUtilization": "0",
            "TargetLatencyP95Ms": "800",
            "TargetBacklogPerInstance": "0",
            "BusyHoursExpression": "cron(0 8 ? * MON-FRI *)",
            "BusyHoursCeiling": "6",
            "EnvironmentName": "prod",
        },
        id="latency-only-busy-hours-with-ceiling",
    ),
    pytest.param(
        {
            "BusyHoursExpression": "rate(1 day)",
            "BusyHoursStart": "2026-12-01T08:00:00Z",
            "ModelName": "resnet50",
        },
        id="busy-hours-rate-no-ceiling",
    ),
]
GROUP = f"{STACK_NAME}-fleet"


@pytest.mark.parametrize("parameters", PARAMETER_SETS)
def test_lifecycle_environment_loads(sam_template: dict[str, Any], parameters: dict[str, str]) -> None:
    # GIVEN the lifecycle function's environment WHEN its loader reads it
    config = LifecycleConfig.from_env(function_environment(sam_template, "LifecycleFunction", parameters))
    # THEN the hooks are the group's own, and the budget outlasts a heartbeat period
    assert config.group_name == GROUP
    assert config.launch_hook_name == f"{STACK_NAME}-launch-hook"
    assert config.terminate_hook_name == f"{STACK_NAME}-terminate-hook"
    assert config.warmup_budget_seconds > config.hook_heartbeat_seconds
    assert config.model_name == (parameters.get("ModelName") or None)


@pytest.mark.parametrize("parameters", PARAMETER_SETS)
def test_scaler_policy_is_a_valid_core_policy(
    sam_template: dict[str, Any], parameters: dict[str, str]
) -> None:
    # GIVEN the scaler's environment WHEN its loader and the policy parser read it
    config = ScalerConfig.from_env(function_environment(sam_template, "ScalerFunction", parameters))
    policy = parse_policy(config.policy, "POLICY")
    # THEN every signal has a collector, in-flight is always one, and disabled targets are left out
    names = [signal.name for signal in policy.signals]
    check_signals_have_sources(names, DEFAULT_METRIC_SOURCES)
    assert "InFlightRequests" in names
    assert ("GPUUtilization" in names) == (parameters.get("TargetGpuUtilization", "70") != "0")
    assert ("QueueBacklog" in names) == (parameters.get("TargetBacklogPerInstance", "10") != "0")
    assert ("RequestLatencyP95" in names) == (parameters.get("TargetLatencyP95Ms", "0") != "0")
    assert policy.warmup_budget_seconds == 1800
    # AND a busy-hours window appears in the policy exactly when one is set
    windows = {window.name: window for window in policy.schedules}
    if "BusyHoursExpression" in parameters:
        assert windows["busy-hours"].schedule_expression == parameters["BusyHoursExpression"]
        assert windows["busy-hours"].floor == 2
        assert windows["busy-hours"].ceiling == (
            int(parameters["BusyHoursCeiling"]) if "BusyHoursCeiling" in parameters else None
        )
    else:
        assert windows == {}
    assert config.pause_parameter == "<PauseParameter>"
    assert config.dry_run is False


@pytest.mark.parametrize("parameters", PARAMETER_SETS)
def test_schedule_windows_match_the_policy(sam_template: dict[str, Any], parameters: dict[str, str]) -> None:
    # GIVEN the alarm function's environment (the scaler's is the same: both come from Globals)
    environment = function_environment(sam_template, "AlarmFunction", parameters)
    policy = parse_policy(json.loads(environment["POLICY"]), "POLICY")
    # WHEN the start-up checks of the schedule and alarm paths read it
    windows = windows_from_env(environment)
    check_policy_schedules(policy.schedules, windows)
    check_alarm_steps(AlarmConfig.from_env(environment), policy)
    # THEN the window has the parameters' time zone and length, and exists only when an expression is set
    if "BusyHoursExpression" in parameters:
        (window,) = windows
        assert (window.name, window.timezone, window.duration_minutes) == ("busy-hours", "UTC", 480)
    else:
        assert windows == ()


def test_alarm_steps_name_this_stacks_step_alarms(sam_template: dict[str, Any]) -> None:
    # GIVEN the alarm function's environment WHEN its loader reads ALARM_STEPS
    config = AlarmConfig.from_env(function_environment(sam_template, "AlarmFunction"))
    resolver = Resolver(sam_template)
    alarm_names = {
        logical_id: resolver.resolve(resource["Properties"]["AlarmName"])
        for logical_id, resource in sam_template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }
    # THEN it holds exactly the in-flight, latency and backlog alarms, by the ARN of their names
    prefix = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
    expected = {
        f"{prefix}{alarm_names['InFlightHighAlarm']}": "InFlightHigh",
        f"{prefix}{alarm_names['LatencyHighAlarm']}": "LatencyHigh",
        f"{prefix}{alarm_names['QueueBacklogHighAlarm']}": "QueueBacklogHigh",
    }
    assert {arn: step.name for arn, step in config.alarm_steps.items()} == expected
    for step in config.alarm_steps.values():
        assert (step.instances, step.percent, step.ceiling) == (1, 25.0, 4)
    # AND the rule that invokes the function matches the same ARNs, nothing else
    pattern = sam_template["Resources"]["AlarmFunction"]["Properties"]["Events"]["AlarmStateChange"]
    resources = resolver.resolve(pattern["Properties"]["Pattern"]["resources"])
    assert sorted(resources) == sorted(expected)


@pytest.mark.parametrize(
    ("function", "event", "fixture"),
    [
        pytest.param("ScalerFunction", None, "events/scaler/tick.json", id="scaler-tick"),
        pytest.param("LifecycleFunction", "Sweep", "events/lifecycle/sweep.json", id="lifecycle-sweep"),
    ],
)
def test_scheduled_payloads_are_the_fixtures(
    sam_template: dict[str, Any], function: str, event: str | None, fixture: str
) -> None:
    # GIVEN the payload the template sends on each schedule
    resources = sam_template["Resources"]
    if event is None:
        states = resources["TickStateMachine"]["Properties"]["Definition"]["States"]
        payloads = [state["Parameters"]["Payload"] for state in states.values() if state["Type"] == "Task"]
        schedule = resources["TickStateMachine"]["Properties"]["Events"]["EveryMinute"]["Properties"]
        payloads.append(json.loads(schedule["Input"]))
    else:
        schedule = resources[function]["Properties"]["Events"][event]["Properties"]
        payloads = [json.loads(schedule["Input"])]
    # THEN every one is exactly the sample event the handler's tests use
    expected = json.loads((ROOT / fixture).read_text(encoding="utf-8"))
    assert payloads and all(payload == expected for payload in payloads)
    assert schedule["ScheduleExpression"] == "rate(1 minute)"


def test_busy_hours_schedule_sends_a_schedule_event(sam_template: dict[str, Any]) -> None:
    # GIVEN a busy-hours window with a ceiling
    parameters = {"BusyHoursExpression": "cron(0 8 ? * MON-FRI *)", "BusyHoursCeiling": "6"}
    resolver = Resolver(sam_template, parameters)
    schedule = sam_template["Resources"]["BusyHoursSchedule"]
    assert resolver.condition(schedule["Condition"])
    properties = resolver.resolve(schedule["Properties"])
    # THEN it fires on the expression, in the time zone, with the schedule payload for the alarm function
    assert properties["ScheduleExpression"] == parameters["BusyHoursExpression"]
    assert properties["ScheduleExpressionTimezone"] == "UTC"
    assert properties["Target"]["Arn"] == "<AlarmFunction.Arn>"
    assert json.loads(properties["Target"]["Input"]) == {
        "warmfleet": "schedule",
        "window": "busy-hours",
        "floor": 2,
        "ceiling": 6,
        "until": "<aws.scheduler.scheduled-time>/PT480M",
    }
    # AND without an expression there is no schedule
    assert not Resolver(sam_template).condition(schedule["Condition"])


def test_stack_parameters_are_the_bootstraps(sam_template: dict[str, Any]) -> None:
    # GIVEN the SSM parameters the template creates under /warmfleet/<stack>/
    resolver = Resolver(sam_template)
    prefix = f"/warmfleet/{STACK_NAME}/"
    created = {
        str(resolver.resolve(resource["Properties"]["Name"])).removeprefix(prefix)
        for resource in sam_template["Resources"].values()
        if resource["Type"] == "AWS::SSM::Parameter"
    }
    # THEN every stack-owned name the bootstrap reads (warmfleet_inference.publishing.names) is one of them,
    # and the others are the stack's own: the pause switch and two settings for the agent
    assert {str(name) for name in StackParameter} <= created
    extras = created - {str(name) for name in StackParameter}
    assert extras <= {"paused", "model-uri", "drain-timeout-seconds"}


@pytest.mark.parametrize(
    ("parameters", "ready_path", "health_check_path"),
    [
        pytest.param({}, "/ready", "/health", id="bundled-server"),
        pytest.param(
            {"ReadyPath": "/v2/health/ready", "HealthCheckPath": "/v2/health/live"},
            "/v2/health/ready",
            "/v2/health/live",
            id="triton",
        ),
        pytest.param({"ReadyPath": "/health"}, "/health", "/health", id="vllm-tgi"),
    ],
)
def test_ready_and_health_check_paths_follow_the_server(
    sam_template: dict[str, Any], parameters: dict[str, str], ready_path: str, health_check_path: str
) -> None:
    # GIVEN the paths of the server the instances run
    environment = function_environment(sam_template, "LifecycleFunction", parameters)
    target_group = Resolver(sam_template, parameters).resolve(
        sam_template["Resources"]["TargetGroup"]["Properties"]
    )
    # THEN the lifecycle gate GETs the readiness path and the load balancer checks the liveness path
    assert LifecycleConfig.from_env(environment).ready_path == ready_path
    assert target_group["HealthCheckPath"] == health_check_path


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/ready", id="plain"),
        pytest.param("/v2/health/ready", id="nested"),
        pytest.param("/", id="root"),
        pytest.param("ready", id="no-leading-slash"),
        pytest.param("/has space", id="space"),
        pytest.param("/tab\there", id="tab"),
    ],
)
def test_ready_path_pattern_admits_what_the_lifecycle_config_accepts(
    sam_template: dict[str, Any], path: str
) -> None:
    # GIVEN a ReadyPath value WHEN the parameter's pattern and the function's loader judge it
    admitted = re.fullmatch(sam_template["Parameters"]["ReadyPath"]["AllowedPattern"], path) is not None
    environment = function_environment(sam_template, "LifecycleFunction") | {"READY_PATH": path}
    try:
        LifecycleConfig.from_env(environment)
        accepted = True
    except ConfigurationError:
        accepted = False
    # THEN they agree: a deploy never passes a path the function would refuse on its first event
    assert admitted == accepted


@pytest.mark.parametrize("function", ["ScalerFunction", "AlarmFunction"])
@pytest.mark.parametrize(
    ("parameters", "counted"),
    [
        pytest.param({}, False, id="default-counts-only-work-that-can-start"),
        pytest.param({"QueueCountDelayed": "true"}, True, id="delayed-messages-counted"),
    ],
)
def test_queue_count_delayed_reaches_both_scaling_paths(
    sam_template: dict[str, Any], function: str, parameters: dict[str, str], counted: bool
) -> None:
    # GIVEN the QueueCountDelayed parameter WHEN the scaler or alarm function reads its environment
    config = ScalerConfig.from_env(function_environment(sam_template, function, parameters))
    # THEN both paths count the queue's delayed messages exactly when it is true (KEDA's scaleOnDelayed)
    assert config.queue_count_delayed is counted
