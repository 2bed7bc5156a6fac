"""Kubernetes HPA conformance kinds for ``python -m warmfleet.conformance``.

Maps each kind of ``hpa_replica_calculator.jsonl`` (its ``calc`` field) and
``hpa_behavior.jsonl`` (its ``kind`` field) to a function that takes the whole
test-vector case and returns the produced outputs under the same keys as the
case's ``expected`` (``{"error": message}`` for an HPA error case). The runner
compares; the rules themselves live in :mod:`warmfleet.core.peers.hpa` and
:mod:`warmfleet.core.peers.hpa_controller`. This module only translates the
vector schema (milli-units, ``age_seconds``, ``hot``/``cool`` starts) into their
typed inputs, with ``now = 0`` so an age is ``-at``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

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


KINDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "resource_utilization": resource_utilization,
    "pod_metric_average_value": pod_metric_average_value,
    "object_metric_value": lambda case: _value_calc(case, _object_usage(case)),
    "external_metric_value": lambda case: _value_calc(case, _external(case)),
    "object_metric_average_value": lambda case: _average_calc(case, _object_usage(case)),
    "external_metric_average_value": lambda case: _average_calc(case, _external(case)),
}
