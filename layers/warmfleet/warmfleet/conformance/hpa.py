"""Kubernetes HPA conformance kinds for ``python -m warmfleet.conformance``.

Maps each kind of ``hpa_replica_calculator.jsonl`` (its ``calc`` field) and
``hpa_behavior.jsonl`` (its ``kind`` field; the single-rule kinds are in
:mod:`warmfleet.conformance.hpa_behavior`) to a function that takes the whole
test-vector case and returns the produced outputs under the same keys as the
case's ``expected`` (``{"error": message}`` for an HPA error case). The runner
compares; the rules themselves live in :mod:`warmfleet.core.peers.hpa` and
:mod:`warmfleet.core.peers.hpa_controller` (its types in
:mod:`warmfleet.core.peers.hpa_types`). This module only translates the vector
schema (milli-units, ``age_seconds``, ``hot``/``cool`` starts) into their typed
inputs, with ``now = 0`` so an age is ``-at``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from warmfleet.conformance.hpa_behavior import BEHAVIOR_KINDS, recommendations_of, rules_of
from warmfleet.core.peers.hpa import (
    Calculation,
    Pod,
    PodPhase,
    average_value_calculation,
    external_usage,
    pod_metric_replicas,
    resource_replicas,
    value_replicas,
)
from warmfleet.core.peers.hpa_controller import reconcile
from warmfleet.core.peers.hpa_types import (
    Behavior,
    ControllerSettings,
    Hpa,
    MetricSpec,
    ReconcileInputs,
    TargetType,
    default_scale_down,
    default_scale_up,
)
from warmfleet.core.rules.tolerance import Tolerance

Case = Mapping[str, Any]
#: Container names of the fixture pods (README: keys ``container1``, ``container2``).
FIXTURE_CONTAINERS = ("container1", "container2")


def tolerance_of(case: Case) -> Tolerance:
    """The case's per-direction tolerance (default 0.1 each way)."""
    raw = case.get("tolerance") or {}
    return Tolerance(scale_down=float(raw.get("scale_down", 0.1)), scale_up=float(raw.get("scale_up", 0.1)))


def pod_of(raw: Case) -> Pod:
    """One fixture pod: ``start: hot`` is inside the CPU initialization period."""
    requests = {str(k): int(v) for k, v in (raw.get("container_requests_milli") or {}).items()}
    usage = raw.get("container_usage_milli") or {}
    containers = tuple(sorted(set(requests) | set(usage))) or FIXTURE_CONTAINERS
    return Pod(
        name=str(raw["name"]),
        phase=PodPhase(raw.get("phase", "Running")),
        ready=bool(raw.get("ready", True)),
        deleting=bool(raw.get("deleting", False)),
        cpu_initializing=raw.get("start") == "hot",
        requests=requests,
        containers=containers,
    )


def resource_sample(usage: Mapping[str, int] | None, container: str | None) -> int | None:
    """A pod's CPU sample: one container's usage, or the sum (None: no sample)."""
    if usage is None:
        return None
    if container is not None:
        return int(usage[container]) if container in usage else None
    return sum(int(v) for v in usage.values())


def _as_output(result: Calculation) -> dict[str, Any]:
    if result.error is not None:
        return {"error": result.error}
    return {"replicas": result.replicas, "usage_milli": result.usage}


def resource_utilization(case: Case) -> dict[str, Any]:
    """``calc: resource_utilization`` (``GetResourceReplicas``)."""
    container = case.get("container")
    samples: dict[str, int] = {}
    for raw in [*case.get("pods", []), *case.get("unmatched_metric_samples", [])]:
        value = resource_sample(raw.get("container_usage_milli"), container)
        if value is not None:
            samples[str(raw["name"])] = value
    result = resource_replicas(
        int(case["current_replicas"]),
        int(case["target"]["average_utilization_percent"]),
        tuple(pod_of(p) for p in case.get("pods", [])),
        samples,
        tolerance_of(case),
        container=container,
    )
    if result.error is not None:
        return {"error": result.error}
    return {
        "replicas": result.replicas,
        "utilization_percent": result.utilization,
        "raw_average_value_milli": result.usage,
    }


def pod_metric_average_value(case: Case) -> dict[str, Any]:
    """``calc: pod_metric_average_value`` (``GetMetricReplicas``)."""
    samples = {
        str(raw["name"]): int(raw["metric_milli"])
        for raw in [*case.get("pods", []), *case.get("unmatched_metric_samples", [])]
        if raw.get("metric_milli") is not None
    }
    pods = tuple(pod_of(p) for p in case.get("pods", []))
    target = int(case["target"]["average_value_milli"])
    return _as_output(
        pod_metric_replicas(int(case["current_replicas"]), target, pods, samples, tolerance_of(case))
    )


def _value_calc(case: Case, usage: int | Calculation) -> dict[str, Any]:
    if isinstance(usage, Calculation):
        return _as_output(usage)
    pods = tuple(pod_of(p) for p in case.get("pods", []))
    target = int(case["target"]["value_milli"])
    return _as_output(value_replicas(int(case["current_replicas"]), usage, target, pods, tolerance_of(case)))


def _average_calc(case: Case, usage: int | Calculation) -> dict[str, Any]:
    if isinstance(usage, Calculation):
        return _as_output(usage)
    target = int(case["target"]["average_value_milli"])
    return _as_output(
        average_value_calculation(int(case["current_replicas"]), usage, target, tolerance_of(case))
    )


def _object_usage(case: Case) -> int | Calculation:
    values = case.get("metric_values_milli") or []
    if not values:
        return Calculation(error="unable to get metric: no metrics returned from custom metrics API")
    return int(values[0])


def _external(case: Case) -> int | Calculation:
    return external_usage(int(v) for v in case.get("metric_values_milli") or [])


def metric_of(raw: Case) -> MetricSpec:
    """One ``hpa.metrics[]`` entry with the samples its fetch returns."""
    kind = str(raw["type"])
    target = raw.get("target")
    target_type = TargetType(target["type"]) if target else None
    amount = 0
    if target:
        amount = int(
            target.get("average_utilization_percent")
            or target.get("average_value_milli")
            or target.get("value_milli")
            or 0
        )
    container = raw.get("container") if kind == "ContainerResource" else None
    samples: dict[str, int] = {}
    for name, usage in (raw.get("samples_per_pod_container_milli") or {}).items():
        value = resource_sample(usage, container)
        if value is not None:
            samples[str(name)] = value
    samples.update({str(k): int(v) for k, v in (raw.get("samples_per_pod_milli") or {}).items()})
    value = raw.get("object_value_milli")
    return MetricSpec(
        type=kind,
        target_type=target_type,
        target=amount,
        samples=samples,
        value=None if value is None else int(value),
        external=tuple(int(v) for v in raw.get("samples_milli") or []),
        fetch_error=bool(raw.get("fetch_error", False)),
        container=container,
    )


def _controller_reconcile(case: Case) -> dict[str, Any]:
    controller = case.get("controller") or {}
    settings = ControllerSettings(
        tolerance=float(controller.get("tolerance", 0.1)),
        downscale_stabilization_window_seconds=int(
            controller.get("downscale_stabilization_window_seconds", 300)
        ),
        scale_up_limit_factor=float(controller.get("scale_up_limit_factor", 2.0)),
        scale_up_limit_minimum=float(controller.get("scale_up_limit_minimum", 4.0)),
    )
    raw_hpa, gates = case["hpa"], case.get("feature_gates") or {}
    raw_behavior = raw_hpa.get("behavior")
    behavior = None
    if raw_behavior is not None:
        up, down = raw_behavior.get("scale_up"), raw_behavior.get("scale_down")
        behavior = Behavior(
            scale_up=rules_of(up, default_scale_up()),
            scale_down=rules_of(down, default_scale_down(settings.downscale_stabilization_window_seconds)),
            tolerance_up=None if not up or up.get("tolerance") is None else float(up["tolerance"]),
            tolerance_down=None if not down or down.get("tolerance") is None else float(down["tolerance"]),
        )
    raw_recs = case.get("recommendations")
    result = reconcile(
        ReconcileInputs(
            hpa=Hpa(
                min_replicas=int(raw_hpa["min_replicas"]),
                max_replicas=int(raw_hpa["max_replicas"]),
                metrics=tuple(metric_of(m) for m in raw_hpa.get("metrics") or []),
                behavior=behavior,
            ),
            spec_replicas=int(case["scale"]["spec_replicas"]),
            status_replicas=int(case["scale"]["status_replicas"]),
            pods=tuple(pod_of(p) for p in case.get("pods") or []),
            recommendations=None if raw_recs is None else recommendations_of(raw_recs),
            scale_to_zero_gate=bool(gates.get("HPAScaleToZero", False)),
            configurable_tolerance_gate=bool(gates.get("HPAConfigurableTolerance", False)),
            initial_conditions=tuple((str(c), "True", str(c)) for c in case.get("initial_conditions") or []),
        ),
        settings,
        now=0.0,
    )
    return {
        "desired_replicas": result.desired_replicas,
        "scale_updated": result.scale_updated,
        "reconcile_returns_error": result.returned_error,
        "conditions": [{"type": t, "status": s, "reason": r} for t, s, r in result.conditions],
    }


KINDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "resource_utilization": resource_utilization,
    "pod_metric_average_value": pod_metric_average_value,
    "object_metric_value": lambda case: _value_calc(case, _object_usage(case)),
    "external_metric_value": lambda case: _value_calc(case, _external(case)),
    "object_metric_average_value": lambda case: _average_calc(case, _object_usage(case)),
    "external_metric_average_value": lambda case: _average_calc(case, _external(case)),
    "controller_reconcile": _controller_reconcile,
    **BEHAVIOR_KINDS,
}
