"""The Kubernetes HPA controller, reproduced (``horizontal.go``): a reconcile, its normalization, conditions.

Mirrors ``reconcileAutoscaler``, ``computeReplicasForMetrics``,
``normalizeDesiredReplicas`` (no ``behavior``) and
``normalizeDesiredReplicasWithBehaviors`` of
``pkg/controller/podautoscaler/horizontal.go``
(https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/): a
proposal per metric from :mod:`warmfleet.core.peers.hpa`, the max of the valid
ones (no scale-down on partial data), then stabilization and rate limits from
the shared rules (:mod:`warmfleet.core.rules.stabilization`,
:mod:`warmfleet.core.rules.rate_limit`), with the status conditions it sets.
Scale to and from zero follows the ``HPAScaleToZero`` feature gate. Time is
passed in (``now``), unlike the HPA's ``time.Now()``.
"""

from __future__ import annotations

from collections.abc import Sequence

from warmfleet.core.peers.hpa import (
    Calculation,
    Pod,
    average_value_calculation,
    external_usage,
    pod_metric_replicas,
    resource_replicas,
    value_replicas,
)
from warmfleet.core.peers.hpa_conditions import (
    ABLE_TO_SCALE,
    SCALED_TO_ZERO,
    SCALING_ACTIVE,
    SCALING_LIMITED,
    Conditions,
)
from warmfleet.core.peers.hpa_types import (
    FAILURE_REASONS,
    OBJECT_OR_EXTERNAL,
    ControllerSettings,
    MetricSpec,
    ReconcileInputs,
    ReconcileResult,
    TargetType,
)
from warmfleet.core.rules.rate_limit import (
    LimitReason,
    ScaleEvent,
    rate_limit,
)
from warmfleet.core.rules.stabilization import (
    Recommendation,
    stabilize,
    stabilize_legacy,
    store_legacy,
    store_replacing_oldest,
)
from warmfleet.core.rules.tolerance import Tolerance


def convert_rules_legacy(
    current: int, desired: int, min_replicas: int, max_replicas: int, *, factor: float, minimum: float
) -> tuple[int, LimitReason]:
    """``convertDesiredReplicasWithRules``: bounds and the scale-up cap ``max(factor * current, minimum)``."""
    scale_up_limit = int(max(factor * current, minimum))
    if max_replicas > scale_up_limit:
        allowed, reason = scale_up_limit, LimitReason.SCALE_UP_LIMIT
    else:
        allowed, reason = max_replicas, LimitReason.TOO_MANY_REPLICAS
    if desired < min_replicas:
        return min_replicas, LimitReason.TOO_FEW_REPLICAS
    if desired > allowed:
        return allowed, reason
    return desired, LimitReason.DESIRED_WITHIN_RANGE


def store_scale_event(
    events: Sequence[ScaleEvent], change: int, longest_period: float, now: float
) -> list[ScaleEvent]:
    """``storeScaleEvent``: replace the last event older than the longest period, else append."""
    stored = list(events)
    outdated = [i for i, event in enumerate(stored) if now - event.at > longest_period]
    new = ScaleEvent(change, now)
    if outdated:
        stored[outdated[-1]] = new
    else:
        stored.append(new)
    return stored


def metric_proposal(
    metric: MetricSpec, spec: int, status: int, pods: tuple[Pod, ...], tolerance: Tolerance
) -> Calculation:
    """``computeReplicasForMetric``: one metric's proposal, or its error."""
    if metric.fetch_error:
        return Calculation(error=f"unable to fetch {metric.type} metric")
    if metric.type not in FAILURE_REASONS:
        return Calculation(error=f"invalid metric source type {metric.type!r}")
    if metric.target_type is None:
        return Calculation(error=f"invalid {metric.type} metric: no target")
    if metric.type in {"Resource", "ContainerResource"}:
        if metric.target_type is TargetType.UTILIZATION:
            return resource_replicas(
                spec, metric.target, pods, metric.samples, tolerance, container=metric.container
            )
        return pod_metric_replicas(spec, metric.target, pods, metric.samples, tolerance, cpu=True)
    if metric.type == "Pods":
        return pod_metric_replicas(spec, metric.target, pods, metric.samples, tolerance)
    if metric.type == "Object":
        usage: int | Calculation = (
            metric.value if metric.value is not None else Calculation(error="no object value")
        )
    else:
        usage = external_usage(metric.external)
    if isinstance(usage, Calculation):
        return usage
    if metric.target_type is TargetType.AVERAGE_VALUE:
        return average_value_calculation(status, usage, metric.target, tolerance)
    return value_replicas(spec, usage, metric.target, pods, tolerance)


def _tolerance(inputs: ReconcileInputs, settings: ControllerSettings) -> Tolerance:
    behavior = inputs.hpa.behavior
    up = down = settings.tolerance
    if inputs.configurable_tolerance_gate and behavior is not None:
        up = behavior.tolerance_up if behavior.tolerance_up is not None else up
        down = behavior.tolerance_down if behavior.tolerance_down is not None else down
    return Tolerance(scale_down=down, scale_up=up)


def reconcile(inputs: ReconcileInputs, settings: ControllerSettings, now: float) -> ReconcileResult:
    """``reconcileAutoscaler``: one pass of the HPA controller (see the module doc)."""
    hpa, spec = inputs.hpa, inputs.spec_replicas
    conditions = Conditions(inputs.initial_conditions)
    conditions.set(ABLE_TO_SCALE, True, "SucceededGetScale")
    recs = inputs.recommendations if inputs.recommendations is not None else (Recommendation(spec, now),)
    up_events, down_events = inputs.scale_up_events, inputs.scale_down_events
    has_object_or_external = any(m.type in OBJECT_OR_EXTERNAL for m in hpa.metrics)
    resume = (
        spec == 0
        and inputs.scale_to_zero_gate
        and conditions.is_true(SCALED_TO_ZERO)
        and (hpa.min_replicas != 0 or has_object_or_external)
    )
    failed = False
    if spec == 0 and not resume:
        conditions.set(SCALING_ACTIVE, False, "ScalingDisabled")
        if not inputs.scale_to_zero_gate:
            conditions.remove(SCALED_TO_ZERO)
        return ReconcileResult(0, False, False, conditions.as_tuple(), recs, up_events, down_events)
    if spec > hpa.max_replicas:
        desired = hpa.max_replicas
    elif spec < hpa.min_replicas and not resume:
        desired = hpa.min_replicas
    else:
        tolerance = _tolerance(inputs, settings)
        results = [
            metric_proposal(m, spec, inputs.status_replicas, inputs.pods, tolerance) for m in hpa.metrics
        ]
        valid = [r.replicas for r in results if r.error is None]
        failures = [m for m, r in zip(hpa.metrics, results, strict=True) if r.error is not None]
        failed = bool(failures)
        proposal = max(valid, default=0)
        if not valid or (failures and proposal < spec):
            reason = FAILURE_REASONS.get(failures[0].type, "InvalidMetricSourceType")
            conditions.set(SCALING_ACTIVE, False, reason)
            return ReconcileResult(spec, False, True, conditions.as_tuple(), recs, up_events, down_events)
        conditions.set(SCALING_ACTIVE, True, "ValidMetricFound")
        desired, recs = _normalize(
            inputs, settings, conditions, current=spec, proposal=proposal, recs=recs, now=now
        )
        if resume and hpa.min_replicas != 0 and desired < hpa.min_replicas:
            desired = hpa.min_replicas
    updated = desired != spec
    if updated:
        conditions.set(ABLE_TO_SCALE, True, "SucceededRescale")
        if inputs.scale_to_zero_gate:
            to_zero = spec > 0 and desired == 0 and hpa.min_replicas == 0 and has_object_or_external
            conditions.set(SCALED_TO_ZERO, to_zero, "ScaledToZero" if to_zero else "NotScaledToZero")
        else:
            conditions.remove(SCALED_TO_ZERO)
        if hpa.behavior is not None:
            if desired > spec:
                longest = hpa.behavior.scale_up.longest_period
                up_events = tuple(store_scale_event(up_events, desired - spec, longest, now))
            else:
                longest = hpa.behavior.scale_down.longest_period
                down_events = tuple(store_scale_event(down_events, spec - desired, longest, now))
    return ReconcileResult(desired, updated, failed, conditions.as_tuple(), recs, up_events, down_events)


def _normalize(
    inputs: ReconcileInputs,
    settings: ControllerSettings,
    conditions: Conditions,
    *,
    current: int,
    proposal: int,
    recs: tuple[Recommendation, ...],
    now: float,
) -> tuple[int, tuple[Recommendation, ...]]:
    """Stabilize, then clamp (legacy rules or behaviour rate limits); sets AbleToScale and ScalingLimited."""
    hpa, behavior = inputs.hpa, inputs.hpa.behavior
    if behavior is None:
        window = settings.downscale_stabilization_window_seconds
        stabilized = stabilize_legacy(recs, proposal, window, now)
        stored = store_legacy(recs, proposal, window, now)
        stabilized_reason = "ScaleDownStabilized"
        desired, limit = convert_rules_legacy(
            current,
            stabilized,
            hpa.min_replicas,
            hpa.max_replicas,
            factor=settings.scale_up_limit_factor,
            minimum=settings.scale_up_limit_minimum,
        )
    else:
        up_window = behavior.scale_up.stabilization_window_seconds
        down_window = behavior.scale_down.stabilization_window_seconds
        stabilized = stabilize(recs, current, proposal, up_window=up_window, down_window=down_window, now=now)
        stored = store_replacing_oldest(recs, proposal, up_window, down_window, now)
        stabilized_reason = "ScaleUpStabilized" if proposal >= current else "ScaleDownStabilized"
        desired, limit = rate_limit(
            current,
            stabilized,
            min_replicas=hpa.min_replicas,
            max_replicas=hpa.max_replicas,
            scale_up=behavior.scale_up,
            scale_down=behavior.scale_down,
            up_events=inputs.scale_up_events,
            down_events=inputs.scale_down_events,
            now=now,
        )
    conditions.set(ABLE_TO_SCALE, True, "ReadyForNewScale" if stabilized == proposal else stabilized_reason)
    conditions.set(SCALING_LIMITED, desired != stabilized, str(limit))
    return desired, tuple(stored)
