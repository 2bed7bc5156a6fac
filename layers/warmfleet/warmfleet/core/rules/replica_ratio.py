"""The HPA replica ratio ``ceil(ready * ratio)`` with its unready and missing-sample rules.

Mirrors the decision part of ``GetResourceReplicas`` / ``GetMetricReplicas`` in
``pkg/controller/podautoscaler/replica_calculator.go``
(https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/podautoscaler/replica_calculator.go):

1. With no missing samples, and unless scaling up while some pods are unready,
   the proposal is the current count inside the tolerance, else ``ceil(ratio * ready)``.
2. Otherwise the gaps are filled pessimistically (:func:`fill_direction`: missing
   samples count as "at target or above" when scaling down, as zero when scaling
   up; unready pods count as zero on a scale-up), the ratio is recomputed by the
   caller, and :func:`gap_filled_replicas` decides: no change inside the tolerance
   or when the filling flipped the direction, and never a move against the
   original direction.

The callers own the arithmetic of their samples (per-pod requests for the HPA,
group averages for ``decide()``); the decisions live here once.
"""

from __future__ import annotations

import math
from enum import StrEnum

from warmfleet.core.rules.activation import clamp_int32
from warmfleet.core.rules.tolerance import Tolerance


class Fill(StrEnum):
    """How the samples of pods (instances) without a sample are filled in."""

    HIGH = "high"  # ratio < 1: assume the missing ones are busy, which damps a scale-down
    ZERO = "zero"  # ratio > 1: assume they are idle, which damps a scale-up
    NONE = "none"  # ratio == 1: nothing to fill


def scale_up_with_unready(ratio: float, unready_count: int) -> bool:
    """True when unready pods must count as idle: they exist and the ratio asks for more."""
    return unready_count > 0 and ratio > 1.0


def needs_gap_filling(ratio: float, unready_count: int, missing_count: int) -> bool:
    """True when the pessimistic second pass (step 2 of the module doc) applies."""
    return missing_count > 0 or scale_up_with_unready(ratio, unready_count)


def fill_direction(ratio: float) -> Fill:
    """The value given to missing samples, by the direction of the first ratio."""
    if ratio < 1.0:
        return Fill.HIGH
    if ratio > 1.0:
        return Fill.ZERO
    return Fill.NONE


def plain_ratio_replicas(current: int, ratio: float, ready_count: int, tolerance: Tolerance) -> int:
    """``current`` inside the tolerance, else ``ceil(ratio * ready_count)``.

    >>> plain_ratio_replicas(3, 50 / 30, 3, Tolerance())
    5
    >>> plain_ratio_replicas(3, 1.05, 3, Tolerance())
    3
    """
    if tolerance.within(ratio):
        return current
    return clamp_int32(math.ceil(ratio * ready_count))


def gap_filled_replicas(
    current: int, ratio: float, new_ratio: float, sample_count: int, tolerance: Tolerance
) -> int:
    """The decision after the gaps were filled and the ratio recomputed as ``new_ratio``.

    ``sample_count`` counts every sample after filling (the HPA counts superfluous
    samples too).

    >>> gap_filled_replicas(3, 200 / 50, 2.0, 2, Tolerance())
    4
    >>> gap_filled_replicas(3, 0.9, 1.2, 3, Tolerance())  # the filling flipped the direction
    3
    """
    flipped = (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio)
    if tolerance.within(new_ratio) or flipped:
        return current
    proposed = clamp_int32(math.ceil(new_ratio * sample_count))
    if (new_ratio < 1.0 and proposed > current) or (new_ratio > 1.0 and proposed < current):
        return current
    return proposed
