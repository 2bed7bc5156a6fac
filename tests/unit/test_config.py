"""The functions' environment: every setting parsed, every bad one refused with its variable's name."""

from __future__ import annotations

import pytest
from warmfleet.config import AlarmConfig, LifecycleConfig, ScalerConfig
from warmfleet.exceptions import ConfigurationError

from tests.conftest import load_event


def test_lifecycle_config_from_the_sample_environment() -> None:
    config = LifecycleConfig.from_env(load_event("env/lifecycle.json"))
    assert (config.warmup_budget_seconds, config.hook_heartbeat_seconds, config.app_port) == (1800, 600, 8000)
    assert config.model_name is None and config.canary_request == {}
    assert config.ready_path == "/ready"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("/v2/health/ready", "/v2/health/ready", id="triton"),
        pytest.param(" /health ", "/health", id="vllm-tgi-trimmed"),
        pytest.param("", "/ready", id="empty-is-the-bundled-servers"),
    ],
)
def test_lifecycle_ready_path(value: str, expected: str) -> None:
    # GIVEN READY_PATH as the template would set it / WHEN read / THEN the path the verifier will GET
    env = {**load_event("env/lifecycle.json"), "READY_PATH": value}
    assert LifecycleConfig.from_env(env).ready_path == expected


def test_scaler_config_from_the_sample_environment() -> None:
    config = ScalerConfig.from_env(load_event("env/scaler.json"))
    assert config.pause_parameter == "/warmfleet/warmfleet-dev/paused" and config.dry_run is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, False, id="unset-is-kedas-default"),
        pytest.param("true", True, id="true"),
        pytest.param("False", False, id="false"),
    ],
)
def test_scaler_queue_count_delayed(value: str | None, expected: bool) -> None:
    # GIVEN QUEUE_COUNT_DELAYED as set (or not) / WHEN read / THEN whether delayed messages join the backlog
    env = load_event("env/scaler.json") | ({} if value is None else {"QUEUE_COUNT_DELAYED": value})
    assert ScalerConfig.from_env(env).queue_count_delayed is expected


def test_alarm_config_keys_steps_by_arn() -> None:
    config = AlarmConfig.from_env(load_event("env/alarm.json"))
    step = config.alarm_steps["arn:aws:cloudwatch:us-east-1:123456789012:alarm:warmfleet-dev-latency-high"]
    assert (step.name, step.instances, step.percent, step.ceiling) == ("LatencyHigh", 0, 50.0, 40)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, ("warmfleet-dev", "FleetGroup"), id="as-the-template-sets-them"),
        pytest.param(
            {"ROLLOUT_STACK_NAME": "", "ROLLOUT_RESOURCE_ID": " "}, (None, None), id="empty-signals-nothing"
        ),
    ],
)
def test_lifecycle_rollout_target(changes: dict[str, str], expected: tuple[str | None, str | None]) -> None:
    # GIVEN ROLLOUT_* as set (or left empty) / WHEN read / THEN the stack and resource the gate signals
    config = LifecycleConfig.from_env({**load_event("env/lifecycle.json"), **changes})
    assert (config.rollout_stack_name, config.rollout_resource_id) == expected


@pytest.mark.parametrize(
    ("factory", "sample", "changes", "message"),
    [
        pytest.param(LifecycleConfig, "lifecycle", {"GROUP_NAME": ""}, "GROUP_NAME", id="missing-group"),
        pytest.param(LifecycleConfig, "lifecycle", {"APP_PORT": "eighty"}, "APP_PORT", id="port-not-int"),
        pytest.param(
            LifecycleConfig, "lifecycle", {"VERIFY_ATTEMPTS": "0"}, "VERIFY_ATTEMPTS", id="zero-attempts"
        ),
        pytest.param(
            LifecycleConfig,
            "lifecycle",
            {"WARMUP_BUDGET_SECONDS": "600"},
            "longer than",
            id="budget-not-longer",
        ),
        pytest.param(
            LifecycleConfig, "lifecycle", {"CANARY_REQUEST": "{"}, "CANARY_REQUEST", id="canary-not-json"
        ),
        pytest.param(
            LifecycleConfig, "lifecycle", {"READY_PATH": "v2/health/ready"}, "READY_PATH", id="relative-path"
        ),
        pytest.param(
            LifecycleConfig,
            "lifecycle",
            {"READY_PATH": "/v2/health ready"},
            "READY_PATH",
            id="path-with-space",
        ),
        pytest.param(
            LifecycleConfig,
            "lifecycle",
            {"ROLLOUT_RESOURCE_ID": ""},
            "ROLLOUT_STACK_NAME and ROLLOUT_RESOURCE_ID go together",
            id="rollout-stack-without-resource",
        ),
        pytest.param(ScalerConfig, "scaler", {"DRY_RUN": "maybe"}, "DRY_RUN", id="dry-run-not-bool"),
        pytest.param(
            ScalerConfig,
            "scaler",
            {"QUEUE_COUNT_DELAYED": "yes"},
            "QUEUE_COUNT_DELAYED",
            id="delayed-not-bool",
        ),
        pytest.param(ScalerConfig, "scaler", {"POLICY": "[1]"}, "POLICY", id="policy-not-object"),
        pytest.param(AlarmConfig, "alarm", {"ALARM_STEPS": '{"x": {}}'}, "ALARM_STEPS", id="steps-not-arn"),
        pytest.param(
            AlarmConfig,
            "alarm",
            {"ALARM_STEPS": '{"arn:aws:cloudwatch:us-east-1:1:alarm:a": {"instances": -1}}'},
            "negative",
            id="negative-step",
        ),
    ],
)
def test_invalid_setting_names_the_variable(
    factory: type[LifecycleConfig | ScalerConfig | AlarmConfig],
    sample: str,
    changes: dict[str, str],
    message: str,
) -> None:
    env = {**load_event(f"env/{sample}.json"), **changes}
    with pytest.raises(ConfigurationError, match=message):
        factory.from_env(env)
