"""KEDA conformance kinds for ``python -m warmfleet.conformance`` (``keda.jsonl``).

Each function turns one case's ``inputs`` into a call of :mod:`warmfleet.core.peers.keda` and returns the
outputs keyed like the case's ``expected``. Conventions of the adapters (beyond the README's fields):
the fetched metric of ``fallback``/``fallback_condition`` is ``some_metric_name``; the ScaledObject's
``Fallback`` condition starts ``Unknown`` (KEDA's initialized conditions) unless
``inputs.fallback_condition_before`` says otherwise; the executor's clock is ``now = 0``, the object was
created ``inputs.created_age_seconds`` ago (default: long ago, like the peer's zero creation time) and a
numeric ``last_active_time`` is an age in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from warmfleet.core.peers import keda
from warmfleet.core.peers.keda_executor import ANNOTATION_PREFIX
from warmfleet.core.peers.keda_fallback import ConditionStatus
from warmfleet.core.peers.keda_sqs import sqs_metric_name as sqs_metric_name_for

FETCHED_METRIC = "some_metric_name"


def _inputs(case: Mapping[str, Any]) -> Mapping[str, Any]:
    inputs = case.get("inputs")
    if not isinstance(inputs, Mapping):
        raise ValueError("the case has no `inputs` object")
    return inputs


def _fallback(raw: Mapping[str, Any] | None) -> keda.FallbackSpec | None:
    if raw is None:
        return None
    return keda.FallbackSpec(
        failure_threshold=int(raw.get("failureThreshold", 0)),
        replicas=int(raw["replicas"]),
        behavior=str(raw.get("behavior") or "static"),
    )


def _health(raw: Mapping[str, Any]) -> keda.HealthStatus:
    return keda.HealthStatus(int(raw["failures"]), keda.HealthState(raw["status"]))


def _health_dict(health: keda.HealthStatus | None) -> dict[str, Any] | None:
    return None if health is None else {"failures": health.failures, "status": health.status.value}


def sqs_get_metric(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    try:
        metadata = keda.parse_sqs_metadata(inputs["trigger_metadata"], inputs.get("resolved_env"))
    except ValueError as error:
        return {"error": True, "error_message": str(error)}
    metric = keda.sqs_metric_and_activity(metadata, inputs.get("queue_attributes"), inputs.get("api_error"))
    if metric.error is not None:
        return {"error": True, "error_message": metric.error, "active": False}
    return {"metric_value": metric.value, "error": False, "active": metric.active}


def sqs_metric_name(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    metadata = keda.parse_sqs_metadata(inputs["trigger_metadata"], inputs.get("resolved_env"))
    return {"metric_name": sqs_metric_name_for(int(inputs.get("trigger_index", 0)), metadata.queue_name)}


def sqs_parse_metadata(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    try:
        keda.parse_sqs_metadata(
            inputs["trigger_metadata"], inputs.get("resolved_env"), inputs.get("auth_params")
        )
    except ValueError as error:
        return {"error": True, "error_message": str(error)}
    return {"error": False}


def sqs_process_attributes(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    length = keda.queue_length_from_attributes(tuple(inputs["requested_attributes"]), inputs["attributes"])
    return {"queue_length": length.length, "error": length.error is not None}


def _run_fallback(inputs: Mapping[str, Any], health: Mapping[str, keda.HealthStatus]) -> keda.FallbackResult:
    scaler = inputs["scaler_result"]
    target = inputs["metric_target"]
    target_type = keda.TargetType(target.get("type", "AverageValue"))
    value_key = "value" if target_type is keda.TargetType.VALUE else "average_value"
    target_value = target.get(value_key, target.get("value", target.get("average_value", 0)))
    modifiers = inputs.get("scaling_modifiers")
    condition = ConditionStatus(inputs.get("fallback_condition_before", "Unknown"))
    return keda.metrics_with_fallback(
        metric_name=FETCHED_METRIC,
        scaler_value=scaler.get("ok"),
        scaler_error=scaler.get("error") if "error" in scaler else None,
        fallback=_fallback(inputs.get("fallback")),
        status=keda.FallbackStatus(health=health, fallback_condition=condition),
        target=keda.MetricTarget(target_type, float(target_value)),
        current_replicas=inputs.get("current_replicas"),
        ready_replicas=inputs.get("ready_replicas"),
        modifiers=None
        if modifiers is None
        else keda.ScalingModifiersSpec(
            formula=modifiers.get("formula", ""),
            target=str(modifiers["target"]),
            metric_type=keda.TargetType(modifiers.get("metricType", "AverageValue")),
        ),
    )


def _fallback_outputs(result: keda.FallbackResult) -> dict[str, Any]:
    outputs: dict[str, Any] = {
        "error": result.error,
        "health_after": _health_dict(result.status.health.get(FETCHED_METRIC)),
        "status_patched": result.status_patched,
        "fallback_condition": result.status.fallback_condition is ConditionStatus.TRUE,
    }
    if result.metric_value is not None:
        outputs["metric_value"] = result.metric_value
    return outputs


def fallback(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    before = inputs.get("health_before")
    health = {} if before is None else {FETCHED_METRIC: _health(before)}
    return _fallback_outputs(_run_fallback(inputs, health))


def fallback_condition(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    health = {name: _health(entry) for name, entry in (inputs.get("health_before") or {}).items()}
    return _fallback_outputs(_run_fallback(inputs, health))


def scaling_modifier_trigger_value(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    health = inputs.get("health")
    value = keda.trigger_value(
        int(inputs["metric_value_milli"]),
        _fallback(inputs.get("fallback")),
        None if health is None else _health(health),
    )
    return {"value": value}


def scaling_modifiers_formula(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    if inputs.get("formula") is None:  # KEDA: "cached compiled formula is nil during its calculation"
        return {"error": True, "error_message": "no compiled formula"}
    target = str(inputs.get("target", ""))
    modifiers = keda.ScalingModifiersSpec(formula=str(inputs["formula"]), target=target)
    raw_values = inputs["trigger_values"].items()
    values = [(trigger, None if value is None else float(value)) for trigger, value in raw_values]
    composite = keda.composite_for_triggers(
        modifiers,
        values,
        fallback=_fallback(inputs.get("fallback")),
        health={name: _health(entry) for name, entry in (inputs.get("health") or {}).items()},
        current_replicas=inputs.get("current_replicas"),
    )
    return {
        "composite_metric_name": composite.name,
        "composite_value_milli": composite.value_milli,
        "composite_value": composite.value,
        "error": composite.error is not None,
        "error_message": composite.error,
    }


def scaling_modifiers_metric_mapping(case: Mapping[str, Any]) -> dict[str, Any]:
    inputs = _inputs(case)
    try:
        pairs = keda.pair_trigger_and_metric(inputs["formula"], inputs["metric_name"], inputs["trigger_name"])
    except ValueError:
        return {"pairs": {}, "error": True}
    return {"pairs": pairs, "error": False}


def _annotation(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _scale(inputs: Mapping[str, Any]) -> dict[str, Any]:
    annotations = {
        key if "/" in key else ANNOTATION_PREFIX + key: _annotation(value)
        for key, value in (inputs.get("annotations") or {}).items()
    }
    fallback_spec = inputs.get("fallback")
    spec = keda.ScaledObjectSpec(
        min_replica_count=int(inputs.get("min_replica_count") or 0),
        idle_replica_count=inputs.get("idle_replica_count"),
        cooldown_period_seconds=float(inputs.get("cooldown_period_seconds", 300)),
        initial_cooldown_period_seconds=float(inputs.get("initial_cooldown_period_seconds", 0)),
        fallback_replicas=None if fallback_spec is None else int(fallback_spec["replicas"]),
        annotations=annotations,
    )
    now = 0.0
    last_active = inputs.get("last_active_time")
    current = int(inputs["current_replicas"])
    result = keda.request_scale(
        spec,
        current_replicas=current,
        is_active=bool(inputs["is_active"]),
        is_error=bool(inputs.get("is_error", False)),
        now=now,
        created_at=now - float(inputs.get("created_age_seconds", math.inf)),
        last_active_at=None if last_active is None else now - float(last_active),
    )
    active_true = result.active is not None and result.active.status is ConditionStatus.TRUE
    return {
        "replicas_after": result.replicas_after(current),
        "scaled": result.replicas_written is not None,
        "active_condition": active_true,
        "active_condition_true": active_true,
        "active_reason": None if result.active is None else result.active.reason,
        "paused_condition": result.paused is not None and result.paused.status is ConditionStatus.TRUE,
        "ready_condition": result.ready.status.value,
        "ready_reason": result.ready.reason,
    }


def scale_executor(case: Mapping[str, Any]) -> dict[str, Any]:
    return _scale(_inputs(case))


def scale_executor_ready_condition(case: Mapping[str, Any]) -> dict[str, Any]:
    return _scale(_inputs(case))


KINDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "sqs_get_metric": sqs_get_metric,
    "sqs_process_attributes": sqs_process_attributes,
    "sqs_metric_name": sqs_metric_name,
    "sqs_parse_metadata": sqs_parse_metadata,
    "fallback": fallback,
    "fallback_condition": fallback_condition,
    "scaling_modifier_trigger_value": scaling_modifier_trigger_value,
    "scaling_modifiers_formula": scaling_modifiers_formula,
    "scaling_modifiers_metric_mapping": scaling_modifiers_metric_mapping,
    "scale_executor": scale_executor,
    "scale_executor_ready_condition": scale_executor_ready_condition,
}
