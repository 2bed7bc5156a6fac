"""Stabilization windows over past recommendations (HPA ``behavior`` and legacy).

Mirrors ``stabilizeRecommendationWithBehaviors`` and ``stabilizeRecommendation`` of
``pkg/controller/podautoscaler/horizontal.go``
(https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#stabilization-window):
a scale-up goes no higher than the lowest recommendation of the scale-up window, a
scale-down no lower than the highest of the scale-down window. A recommendation
recorded at ``at`` is inside a window ``W`` at ``now`` iff ``now - at < W``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One stored, not yet stabilized recommendation."""

    replicas: int
    at: float


def stabilize(
    recommendations: Sequence[Recommendation],
    current: int,
    desired: int,
    *,
    up_window: float,
    down_window: float,
    now: float,
) -> int:
    """The stabilized recommendation (HPA ``behavior`` semantics).

    Examples
    --------
    >>> recs = [Recommendation(replicas=3, at=-180.0)]
    >>> stabilize(recs, current=2, desired=1, up_window=300, down_window=300, now=0.0)
    2
    """
    up = desired
    down = desired
    for rec in recommendations:
        age = now - rec.at
        if age < up_window and rec.replicas < up:
            up = rec.replicas
        if age < down_window and rec.replicas > down:
            down = rec.replicas
    return min(max(current, up), down)


def store_replacing_oldest(
    recommendations: Sequence[Recommendation],
    desired: int,
    up_window: float,
    down_window: float,
    now: float,
) -> list[Recommendation]:
    """Store like the HPA: replace the *last* entry older than both windows, else append."""
    stored = list(recommendations)
    old_index = -1
    for index, rec in enumerate(stored):
        age = now - rec.at
        if age > up_window and age > down_window:
            old_index = index
    new = Recommendation(replicas=desired, at=now)
    if old_index >= 0:
        stored[old_index] = new
    else:
        stored.append(new)
    return stored


def stabilize_legacy(
    recommendations: Sequence[Recommendation], desired: int, window: float, now: float
) -> int:
    """Legacy (no ``behavior``) stabilization: the max of ``desired`` and recommendations aged <= window.

    >>> stabilize_legacy([Recommendation(replicas=9, at=-540.0)], desired=3, window=300, now=0.0)
    3
    """
    result = desired
    for rec in recommendations:
        if now - rec.at <= window and rec.replicas > result:
            result = rec.replicas
    return result


def store_legacy(
    recommendations: Sequence[Recommendation], desired: int, window: float, now: float
) -> list[Recommendation]:
    """Legacy storage: replace the last entry aged more than ``window``, else append."""
    return store_replacing_oldest(recommendations, desired, window, window, now)


def prune_recommendations(
    recommendations: Sequence[Recommendation], desired: int, longest_window: float, now: float
) -> tuple[Recommendation, ...]:
    """Store ``desired`` keeping only what a window can still see: a bounded history.

    Drops entries at or beyond ``longest_window`` (no window can see them again)
    and older entries with the same value (the newer one answers every min/max
    query the same way), so the list never holds more entries than distinct
    values. Gives the same :func:`stabilize` results as the HPA's storage.
    """
    kept = [rec for rec in recommendations if now - rec.at < longest_window and rec.replicas != desired]
    return (*kept, Recommendation(desired, now))
