"""KEDA-style total signals: a total divided by a per-instance target, with activation.

KEDA's scalers report a total (the SQS scaler: visible + in-flight [+ delayed]
messages) as an HPA ``AverageValue`` metric, so the proposal is
``ceil(total / target)`` unless the ratio to the current count is within the
tolerance; a scaler is *active* only when the value exceeds its activation
threshold, and only an active trigger scales from zero
(https://keda.sh/docs/latest/concepts/scaling-deployments/#activating-and-scaling-thresholds).
"""

from __future__ import annotations

import math

from warmfleet.core.rules.tolerance import Tolerance

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def is_active(value: float, activation_threshold: float) -> bool:
    """KEDA's activity test: strictly above the activation threshold.

    >>> is_active(0, 0), is_active(1, 0)
    (False, True)
    """
    return value > activation_threshold


def ieee_divide(numerator: float, denominator: float) -> float:
    """Divide like Go's float64: ``x/0`` is ``+-inf``, ``0/0`` is NaN, never an exception."""
    if denominator == 0:
        if numerator == 0 or math.isnan(numerator):
            return math.nan
        return math.copysign(math.inf, numerator) * math.copysign(1.0, denominator)
    return numerator / denominator


def clamp_int32(value: float) -> int:
    """``ceil``-ed replica counts saturate at int32 max, as the HPA's ``int32`` conversion does."""
    if math.isnan(value):
        return 0
    return INT32_MAX if value >= INT32_MAX else int(value)


def average_value_replicas(
    usage: float, target_per_instance: float, current: int, tolerance: Tolerance
) -> int:
    """Replicas for a total spread over instances (HPA ``GetExternalPerPodMetricReplicas``).

    The ratio is ``usage / (target * current)``; inside the tolerance the current
    count holds, otherwise ``ceil(usage / target)`` (saturating at int32 max).
    With ``current == 0`` the ratio is infinite (or NaN for zero usage), so the
    result is ``ceil(usage / target)``.

    >>> average_value_replicas(8600, 2900, 3, Tolerance())
    3
    >>> average_value_replicas(20, 5, 0, Tolerance())
    4
    """
    ratio = ieee_divide(float(usage), float(target_per_instance) * float(current))
    if tolerance.within(ratio):
        return current
    return clamp_int32(math.ceil(float(usage) / float(target_per_instance)))
