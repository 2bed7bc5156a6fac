"""KEDA's fallback (``GetMetricsWithFallback``): per-metric failure counting and the synthetic metric.

Mirrors ``pkg/fallback/fallback.go`` of kedacore/keda
(https://keda.sh/docs/latest/reference/scaledobject-spec/#fallback). Health is tracked per metric only
when ``spec.fallback`` is set and valid: a success resets the entry to ``{0, Happy}``, a failure
increments it and marks it ``Failing``. Once ``failures > failureThreshold`` the scaler's error is
replaced by a metric worth ``target x R`` (``R`` from the behaviour, divided by the ready pods for a
``Value`` target) so the HPA lands on ``R`` replicas; with ``behavior: scalingModifiers`` a placeholder
(-1) is returned instead and the formula treats that trigger as nil. The ``Fallback`` condition is True
iff some metric of the ScaledObject is Failing over the threshold, and the status is patched only when
it changed. The counting and the behaviours are the shared rules of :mod:`warmfleet.core.rules.fallback`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from warmfleet.core.peers.keda_sqs import parse_go_int64
from warmfleet.core.rules.fallback import (
    FallbackBehavior,
    fallback_active,
    fallback_replicas,
    next_failure_count,
)

SCALING_MODIFIERS_BEHAVIOR = "scalingModifiers"
COMPOSITE_METRIC_NAME = "composite-metric"
PLACEHOLDER_VALUE = -1.0
FALLBACK_FAILED = "error performing fallback"


class HealthState(StrEnum):
    HAPPY = "Happy"
    FAILING = "Failing"


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class TargetType(StrEnum):
    AVERAGE_VALUE = "AverageValue"
    VALUE = "Value"
    UTILIZATION = "Utilization"


@dataclass(frozen=True, slots=True)
class FallbackSpec:
    """``spec.fallback``; ``behavior`` is a KEDA behaviour name (empty means ``static``)."""

    failure_threshold: int
    replicas: int
    behavior: str = FallbackBehavior.STATIC.value

    @property
    def uses_scaling_modifiers(self) -> bool:
        return self.behavior == SCALING_MODIFIERS_BEHAVIOR


@dataclass(frozen=True, slots=True)
class ScalingModifiersSpec:
    """``spec.advanced.scalingModifiers`` (a formula over trigger names and the composite target)."""

    formula: str
    target: str
    metric_type: TargetType = TargetType.AVERAGE_VALUE


@dataclass(frozen=True, slots=True)
class HealthStatus:
    failures: int
    status: HealthState


@dataclass(frozen=True, slots=True)
class MetricTarget:
    """The trigger's HPA target: its type and value (``averageValue`` or ``value``)."""

    type: TargetType
    value: float


@dataclass(frozen=True, slots=True)
class FallbackStatus:
    """The parts of ``ScaledObject.status`` fallback reads and writes."""

    health: Mapping[str, HealthStatus] = field(default_factory=dict)
    fallback_condition: ConditionStatus = ConditionStatus.UNKNOWN


@dataclass(frozen=True, slots=True)
class FallbackResult:
    """The returned metric (None: no metric), the error, the new status and whether it was patched."""

    metric_value: float | None
    metric_name: str | None
    error: str | None
    status: FallbackStatus
    status_patched: bool
    fallback_used: bool = False


def has_valid_fallback(fallback: FallbackSpec, modifiers: ScalingModifiersSpec | None) -> bool:
    """Non-negative threshold and replicas, and (with modifiers) an integer composite target > 0."""
    modifiers_ok = True
    if modifiers is not None:
        try:
            modifiers_ok = parse_go_int64(modifiers.target) > 0
        except ValueError:
            modifiers_ok = False
    return fallback.failure_threshold >= 0 and fallback.replicas >= 0 and modifiers_ok


def fallback_condition_true(health: Mapping[str, HealthStatus], failure_threshold: int) -> bool:
    """True iff some metric is Failing with failures strictly above the threshold."""
    return any(
        entry.status is HealthState.FAILING and fallback_active(entry.failures, failure_threshold)
        for entry in health.values()
    )


def _with_entry(
    status: FallbackStatus, metric_name: str, entry: HealthStatus, threshold: int
) -> tuple[FallbackStatus, bool]:
    health = dict(status.health)
    health[metric_name] = entry
    condition = ConditionStatus.TRUE if fallback_condition_true(health, threshold) else ConditionStatus.FALSE
    updated = FallbackStatus(health=health, fallback_condition=condition)
    return updated, updated != status


def _behavior(fallback: FallbackSpec) -> FallbackBehavior:
    try:
        return FallbackBehavior(fallback.behavior or FallbackBehavior.STATIC.value)
    except ValueError:
        return FallbackBehavior.STATIC  # KEDA's switch falls to its default: fallback.replicas


def metrics_with_fallback(
    *,
    metric_name: str,
    scaler_value: float | None,
    scaler_error: str | None,
    fallback: FallbackSpec | None,
    status: FallbackStatus,
    target: MetricTarget,
    current_replicas: int | None = None,
    ready_replicas: int | None = None,
    modifiers: ScalingModifiersSpec | None = None,
) -> FallbackResult:
    """One metric fetch through KEDA's fallback layer.

    ``scaler_error`` set means the scaler failed (its message is returned unchanged when no fallback
    applies); otherwise ``scaler_value`` is the scaler's metric. ``current_replicas`` is read only by the
    ``currentReplicas*`` behaviours (None: the scale target could not be read, so the error stands), and
    ``ready_replicas`` only for a ``Value`` target.
    """
    configured = fallback is not None and has_valid_fallback(fallback, modifiers)
    if scaler_error is None:
        if fallback is None or not configured:
            return FallbackResult(scaler_value, metric_name, None, status, status_patched=False)
        previous = status.health.get(metric_name, HealthStatus(0, HealthState.HAPPY))
        healthy = HealthStatus(next_failure_count(previous.failures, failed=False), HealthState.HAPPY)
        updated, changed = _with_entry(status, metric_name, healthy, fallback.failure_threshold)
        return FallbackResult(scaler_value, metric_name, None, updated, status_patched=changed)
    if fallback is None or not configured:
        return FallbackResult(None, None, scaler_error, status, status_patched=False)
    previous = status.health.get(metric_name, HealthStatus(0, HealthState.HAPPY))
    failing = HealthStatus(next_failure_count(previous.failures, failed=True), HealthState.FAILING)
    updated, changed = _with_entry(status, metric_name, failing, fallback.failure_threshold)
    if not fallback_active(failing.failures, fallback.failure_threshold):
        return FallbackResult(None, None, scaler_error, updated, status_patched=changed)
    if fallback.uses_scaling_modifiers:
        return FallbackResult(PLACEHOLDER_VALUE, metric_name, None, updated, status_patched=changed)
    behavior = _behavior(fallback)
    if behavior is not FallbackBehavior.STATIC and current_replicas is None:
        return FallbackResult(None, None, scaler_error, updated, status_patched=changed)
    replicas = float(fallback_replicas(behavior, fallback.replicas, current_replicas or 0))
    value_target = (
        target.type is TargetType.VALUE if modifiers is None else modifiers.metric_type is (TargetType.VALUE)
    )
    if value_target:
        if not ready_replicas:
            return FallbackResult(None, None, FALLBACK_FAILED, updated, status_patched=changed)
        replicas /= ready_replicas
    if modifiers is not None:
        normalisation = float(modifiers.target)
    elif target.type is TargetType.UTILIZATION:
        normalisation = 0.0  # KEDA's switch only reads AverageValue and Value targets
    else:
        normalisation = target.value
    name = metric_name if modifiers is None else COMPOSITE_METRIC_NAME
    milli = int(normalisation * 1000 * replicas)  # Go's int64() truncates toward zero
    return FallbackResult(milli / 1000, name, None, updated, status_patched=changed, fallback_used=True)
