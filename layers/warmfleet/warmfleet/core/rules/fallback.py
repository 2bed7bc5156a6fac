"""Fallback after consecutive metric failures (KEDA ``GetMetricsWithFallback``).

Mirrors KEDA's fallback (https://keda.sh/docs/latest/reference/scaledobject-spec/#fallback):
each failure increments a per-metric counter, a success resets it; once the
counter is strictly above ``failure_threshold`` the scaler reports a synthetic
value that lands the target on ``R`` replicas, where ``R`` depends on the
behaviour. warmfleet's own policy allows only the behaviours that hold or raise
capacity (:data:`NEVER_LOWERS`); the KEDA peer keeps all of them.
"""

from __future__ import annotations

from enum import StrEnum


class FallbackBehavior(StrEnum):
    """KEDA's ``fallback.behavior`` values (``scalingModifiers`` is the KEDA peer's concern)."""

    STATIC = "static"
    CURRENT_REPLICAS = "currentReplicas"
    CURRENT_REPLICAS_IF_HIGHER = "currentReplicasIfHigher"
    CURRENT_REPLICAS_IF_LOWER = "currentReplicasIfLower"


NEVER_LOWERS = frozenset({FallbackBehavior.CURRENT_REPLICAS, FallbackBehavior.CURRENT_REPLICAS_IF_HIGHER})


def next_failure_count(previous: int, failed: bool) -> int:
    """A failure increments the counter, a success resets it to 0."""
    return previous + 1 if failed else 0


def fallback_active(failures: int, failure_threshold: int) -> bool:
    """True once the failures are strictly above the threshold.

    >>> fallback_active(3, 3), fallback_active(4, 3)
    (False, True)
    """
    return failures > failure_threshold


def fallback_replicas(behavior: FallbackBehavior, replicas: int, current: int) -> int:
    """The replica count the fallback aims for.

    >>> fallback_replicas(FallbackBehavior.CURRENT_REPLICAS_IF_HIGHER, 2, current=5)
    5
    """
    if behavior is FallbackBehavior.CURRENT_REPLICAS:
        return current
    if behavior is FallbackBehavior.CURRENT_REPLICAS_IF_HIGHER:
        return max(current, replicas)
    if behavior is FallbackBehavior.CURRENT_REPLICAS_IF_LOWER:
        return min(current, replicas)
    return replicas
