"""The KEDA peer: the rules KEDA applies around the HPA, reproduced as pure functions.

KEDA (https://keda.sh) turns event sources into HPA external metrics and handles what the HPA cannot:
scaling from and to zero. Its rules live in separate modules, as in KEDA's own tree:

* :mod:`.keda_sqs` — the ``aws-sqs-queue`` scaler: metadata, queue length, activity;
* :mod:`.keda_fallback` — ``GetMetricsWithFallback``: failure counting, threshold, every behaviour,
  per-trigger health and the ``Fallback`` condition;
* :mod:`.keda_formula` and :mod:`.keda_modifiers` — scaling modifiers: the expr-lang formula (with ``??``)
  and the composite metric;
* :mod:`.keda_executor` — ``RequestScale``: the 0 <-> N activation phase, its conditions and pauses.

Between ``minReplicaCount`` and ``maxReplicaCount`` KEDA leaves the decision to the HPA (the HPA peer),
with the bounds KEDA gives it (:func:`hpa_bounds`).
"""

from __future__ import annotations

from collections.abc import Sequence

from warmfleet.core.peers.keda_executor import ScaledObjectSpec, ScaleResult, request_scale
from warmfleet.core.peers.keda_fallback import (
    FallbackResult,
    FallbackSpec,
    FallbackStatus,
    HealthState,
    HealthStatus,
    MetricTarget,
    ScalingModifiersSpec,
    TargetType,
    has_valid_fallback,
    metrics_with_fallback,
)
from warmfleet.core.peers.keda_formula import Formula, compile_formula
from warmfleet.core.peers.keda_modifiers import (
    CompositeMetric,
    TriggerMetric,
    composite_for_triggers,
    composite_metric,
    handle_scaling_modifiers,
    pair_trigger_and_metric,
    trigger_value,
)
from warmfleet.core.peers.keda_sqs import (
    SqsMetric,
    SqsQueueMetadata,
    parse_sqs_metadata,
    queue_length_from_attributes,
    sqs_metric_and_activity,
)

DEFAULT_MAX_REPLICA_COUNT = 100


def hpa_bounds(min_replica_count: int | None, max_replica_count: int | None) -> tuple[int, int]:
    """The HPA KEDA creates: ``minReplicas = max(minReplicaCount, 1)``, ``maxReplicas`` default 100.

    >>> hpa_bounds(0, None)
    (1, 100)
    """
    minimum = min_replica_count if min_replica_count and min_replica_count > 0 else 1
    return minimum, DEFAULT_MAX_REPLICA_COUNT if max_replica_count is None else max_replica_count


def replica_bounds_valid(minimum: int, maximum: int, idle: int | None) -> bool:
    """ScaledObject validation: ``min <= max``, and an idle count strictly below min.

    >>> replica_bounds_valid(1, 5, 1), replica_bounds_valid(2, 5, 0)
    (False, True)
    """
    if minimum > maximum:
        return False
    return idle is None or idle < minimum


def fallback_spec_valid(
    fallback: FallbackSpec, trigger_types: Sequence[str], modifiers: ScalingModifiersSpec | None = None
) -> bool:
    """Admission check of ``spec.fallback``: non-negative numbers, and (without modifiers) a trigger
    other than cpu/memory, whose metrics the HPA reads directly so no fallback could apply."""
    if not has_valid_fallback(fallback, modifiers):
        return False
    return modifiers is not None or any(kind not in {"cpu", "memory"} for kind in trigger_types)


__all__ = [
    "CompositeMetric",
    "FallbackResult",
    "FallbackSpec",
    "FallbackStatus",
    "Formula",
    "HealthState",
    "HealthStatus",
    "MetricTarget",
    "ScaleResult",
    "ScaledObjectSpec",
    "ScalingModifiersSpec",
    "SqsMetric",
    "SqsQueueMetadata",
    "TargetType",
    "TriggerMetric",
    "compile_formula",
    "composite_for_triggers",
    "composite_metric",
    "fallback_spec_valid",
    "handle_scaling_modifiers",
    "hpa_bounds",
    "metrics_with_fallback",
    "pair_trigger_and_metric",
    "parse_sqs_metadata",
    "queue_length_from_attributes",
    "replica_bounds_valid",
    "request_scale",
    "sqs_metric_and_activity",
    "trigger_value",
]
