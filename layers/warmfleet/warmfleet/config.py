"""The functions' configuration, read from their environment variables into frozen dataclasses.

This is the only place that knows the variable names (the template sets them; the README lists them). A
missing or invalid variable raises `ConfigurationError` naming it, so a misconfigured deploy fails loudly on
the first event instead of acting on a guess. The pure core never reads the environment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warmfleet.exceptions import ConfigurationError


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is required and is empty or missing")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"environment variable {name}={raw!r} is not an integer") from None
    if value <= 0:
        raise ConfigurationError(f"environment variable {name}={value} must be positive")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "false").strip().lower()
    if raw not in {"true", "false", ""}:
        raise ConfigurationError(f"environment variable {name}={raw!r} must be true or false")
    return raw == "true"


def _url_path(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    # Appended to `http://<ip>:<port>` as given: without the leading '/' it would extend the port.
    if not raw.startswith("/") or any(char.isspace() for char in raw):
        raise ConfigurationError(
            f"environment variable {name}={raw!r} must be a URL path starting with '/', "
            "without spaces (e.g. /v2/health/ready)"
        )
    return raw


def _json_object(env: Mapping[str, str], name: str) -> dict[str, Any]:
    raw = env.get(name, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"environment variable {name} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ConfigurationError(f"environment variable {name} must hold a JSON object")
    return value


@dataclass(frozen=True)
class LifecycleConfig:
    """Settings of the lifecycle function (launch gate, drain, sweep)."""

    group_name: str
    state_table: str
    launch_hook_name: str
    terminate_hook_name: str
    warmup_budget_seconds: int
    hook_heartbeat_seconds: int
    drain_timeout_seconds: int
    app_port: int
    verify_timeout_seconds: int
    verify_attempts: int
    model_name: str | None = None
    canary_request: dict[str, Any] = field(default_factory=dict)
    ready_path: str = "/ready"
    #: The stack and the group's logical id that a CloudFormation roll-out signals (both, or neither: then no
    #: signal is sent).
    rollout_stack_name: str | None = None
    rollout_resource_id: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LifecycleConfig:
        config = cls(
            group_name=_required(env, "GROUP_NAME"),
            state_table=_required(env, "STATE_TABLE"),
            launch_hook_name=_required(env, "LAUNCH_HOOK_NAME"),
            terminate_hook_name=_required(env, "TERMINATE_HOOK_NAME"),
            warmup_budget_seconds=_positive_int(env, "WARMUP_BUDGET_SECONDS", 1800),
            hook_heartbeat_seconds=_positive_int(env, "HOOK_HEARTBEAT_SECONDS", 600),
            drain_timeout_seconds=_positive_int(env, "DRAIN_TIMEOUT_SECONDS", 300),
            app_port=_positive_int(env, "APP_PORT", 8000),
            verify_timeout_seconds=_positive_int(env, "VERIFY_TIMEOUT_SECONDS", 5),
            verify_attempts=_positive_int(env, "VERIFY_ATTEMPTS", 3),
            model_name=env.get("MODEL_NAME", "").strip() or None,
            canary_request=_json_object(env, "CANARY_REQUEST"),
            ready_path=_url_path(env, "READY_PATH", "/ready"),
            rollout_stack_name=env.get("ROLLOUT_STACK_NAME", "").strip() or None,
            rollout_resource_id=env.get("ROLLOUT_RESOURCE_ID", "").strip() or None,
        )
        if (config.rollout_stack_name is None) != (config.rollout_resource_id is None):
            raise ConfigurationError(
                "environment variables ROLLOUT_STACK_NAME and ROLLOUT_RESOURCE_ID go together: set both "
                "(signal the roll-out) or neither"
            )
        if config.warmup_budget_seconds <= config.hook_heartbeat_seconds:
            raise ConfigurationError(
                "WARMUP_BUDGET_SECONDS must be longer than HOOK_HEARTBEAT_SECONDS "
                f"({config.warmup_budget_seconds} <= {config.hook_heartbeat_seconds}): the sweep heartbeats "
                "an action until its budget is spent"
            )
        return config


@dataclass(frozen=True)
class ScalerConfig:
    """Settings of the scaler function (the 15-second tick)."""

    group_name: str
    state_table: str
    queue_url: str | None
    policy: dict[str, Any]
    pause_parameter: str | None
    dry_run: bool
    #: KEDA's `scaleOnDelayed` (https://keda.sh/docs/latest/scalers/aws-sqs/): delayed messages count in the
    #: backlog too. Off by default, as in KEDA: a delayed message is work that cannot start yet.
    queue_count_delayed: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ScalerConfig:
        return cls(
            group_name=_required(env, "GROUP_NAME"),
            state_table=_required(env, "STATE_TABLE"),
            queue_url=env.get("QUEUE_URL", "").strip() or None,
            policy=_json_object(env, "POLICY"),
            pause_parameter=env.get("PAUSE_PARAMETER", "").strip() or None,
            dry_run=_flag(env, "DRY_RUN"),
            queue_count_delayed=_flag(env, "QUEUE_COUNT_DELAYED"),
        )


@dataclass(frozen=True)
class AlarmStep:
    """The step one of this stack's alarms applies while it is in ALARM."""

    name: str
    instances: int = 0
    percent: float = 0.0
    ceiling: int | None = None


@dataclass(frozen=True)
class AlarmConfig:
    """Settings of the alarm function: this stack's alarms (by ARN) and their steps."""

    group_name: str
    state_table: str
    alarm_steps: Mapping[str, AlarmStep]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AlarmConfig:
        steps: dict[str, AlarmStep] = {}
        for arn, raw in _json_object(env, "ALARM_STEPS").items():
            if not isinstance(raw, dict) or not str(arn).startswith("arn:"):
                raise ConfigurationError(f"ALARM_STEPS entry {arn!r} must map an alarm ARN to an object")
            try:
                step = AlarmStep(
                    name=str(raw.get("name", arn)),
                    instances=int(raw.get("instances", 0)),
                    percent=float(raw.get("percent", 0.0)),
                    ceiling=None if raw.get("ceiling") in (None, "") else int(raw["ceiling"]),
                )
            except (TypeError, ValueError) as error:
                raise ConfigurationError(f"ALARM_STEPS entry {arn!r} is invalid: {error}") from None
            if step.instances < 0 or step.percent < 0:
                raise ConfigurationError(f"ALARM_STEPS entry {arn!r} has a negative step")
            steps[arn] = step
        return cls(
            group_name=_required(env, "GROUP_NAME"),
            state_table=_required(env, "STATE_TABLE"),
            alarm_steps=steps,
        )
