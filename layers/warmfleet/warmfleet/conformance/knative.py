"""Knative KPA conformance kinds for ``python -m warmfleet.conformance`` (``knative_kpa.jsonl``).

``scale_sequence`` builds one autoscaler with :func:`warmfleet.core.peers.knative.new_autoscaler` and calls
``scale`` for each step, returning ``{"steps": [...]}`` (see :mod:`warmfleet.conformance.runner`). The test
clock: ``t_seconds`` are offsets from Go's zero time when the autoscaler has a scale-down delay window (the
peer's delay tests use ``time.Time{}``), otherwise from an arbitrary epoch. The constructor runs at the
epoch, except for the zero-time tests, where the peer's constructor read the wall clock: there it runs at a
wall-clock instant long after the zero epoch (so a panic started at creation outlasts the test).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from warmfleet.core.peers import knative

#: Where the peer's constructor read ``time.Now()`` while the test clock sat at Go's zero time.
WALL_CLOCK_AT_CREATION = 1_700_000_000.0
_FIELDS = {
    "target_value": float,
    "total_value": float,
    "target_burst_capacity": float,
    "panic_threshold": float,
    "max_scale_up_rate": float,
    "max_scale_down_rate": float,
    "stable_window_seconds": float,
    "scale_down_delay_seconds": float,
    "reachable": bool,
    "activation_scale": int,
    "activator_capacity": float,
}


def _spec(raw: Mapping[str, Any] | None) -> knative.DeciderSpec:
    raw = raw or {}
    values: dict[str, Any] = {name: kind(raw[name]) for name, kind in _FIELDS.items() if name in raw}
    values.setdefault("target_value", 1.0)
    values.setdefault("total_value", values["target_value"] / 0.75)
    metric = raw.get("scaling_metric")
    if metric == knative.ScalingMetric.RPS.value:
        values["scaling_metric"] = knative.ScalingMetric.RPS
    return knative.DeciderSpec(**values)


def scale_sequence(case: Mapping[str, Any]) -> dict[str, Any]:
    spec = _spec(case["decider_spec"])
    delay_tests = spec.scale_down_delay_seconds > 0
    epoch = knative.GO_ZERO_TIME_UNIX if delay_tests else 0.0
    created_at = WALL_CLOCK_AT_CREATION if delay_tests else epoch
    state = knative.new_autoscaler(spec, case.get("ready_pods_at_creation", 0), created_at)
    outputs: list[dict[str, Any]] = []
    for step in case["steps"]:
        now = epoch + float(step["t_seconds"])
        if "spec_update" in step:
            spec = _spec(step["spec_update"])
        override = step.get("state_override")
        if override is not None:
            since = now - float(override["panic_time_age_seconds"])
            state = knative.override_panic(state, since, int(override["max_panic_pods"]))
        state, result = knative.scale(
            state,
            spec,
            now=now,
            ready_pods=None if step.get("ready_count_error") else int(step["ready_pods"]),
            observed_stable=None if step.get("metrics_error") else float(step["observed_stable"]),
            observed_panic=None if step.get("metrics_error") else float(step["observed_panic"]),
        )
        outputs.append(
            {
                "scale_valid": result.scale_valid,
                "desired_pod_count": result.desired_pod_count,
                "excess_burst_capacity": result.excess_burst_capacity,
                "panic_mode": state.panicking,
            }
        )
    return {"steps": outputs}


def construction(case: Mapping[str, Any]) -> dict[str, Any]:
    ready = None if case.get("ready_count_error_at_creation") else int(case.get("ready_pods_at_creation", 0))
    state = knative.new_autoscaler(_spec(case.get("decider_spec")), ready, now=0.0)
    return {"starts_in_panic": state.panicking, "max_panic_pods": state.panic.max_panic_pods}


KINDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "scale_sequence": scale_sequence,
    "construction": construction,
}
