"""Behaviour rate-limit policies: ``Pods`` / ``Percent`` per period, selected by ``Max``/``Min``/``Disabled``.

Mirrors ``calculateScaleUpLimitWithScalingRules``,
``calculateScaleDownLimitWithBehaviors`` and ``convertDesiredReplicasWithBehaviorRate``
of the Kubernetes HPA
(https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#scaling-policies).
A policy's period looks back over the scale events with ``now - at < period``; the
count at the start of the period is ``current - added + removed``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


class PolicyType(StrEnum):
    """How a rate policy's ``value`` is read."""

    PODS = "Pods"
    PERCENT = "Percent"


class SelectPolicy(StrEnum):
    """How the proposals of several rate policies are combined."""

    MAX = "Max"  # the biggest change wins
    MIN = "Min"  # the smallest change wins
    DISABLED = "Disabled"  # no change in this direction


class LimitReason(StrEnum):
    """Why the rate limit (or the bounds inside it) returned its value; the HPA's reason names."""

    DESIRED_WITHIN_RANGE = "DesiredWithinRange"
    SCALE_UP_LIMIT = "ScaleUpLimit"
    TOO_MANY_REPLICAS = "TooManyReplicas"
    SCALE_DOWN_LIMIT = "ScaleDownLimit"
    TOO_FEW_REPLICAS = "TooFewReplicas"


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """At most ``value`` instances (``Pods``) or percent (``Percent``) per ``period_seconds``."""

    type: PolicyType
    value: int
    period_seconds: int


@dataclass(frozen=True, slots=True)
class ScalingRules:
    """One direction's behaviour: its stabilization window and rate policies."""

    stabilization_window_seconds: int
    select_policy: SelectPolicy = SelectPolicy.MAX
    policies: tuple[RatePolicy, ...] = field(default_factory=tuple)

    @property
    def longest_period(self) -> int:
        """The longest look-back of the policies (0 without policies)."""
        return max((p.period_seconds for p in self.policies), default=0)


@dataclass(frozen=True, slots=True)
class ScaleEvent:
    """A past change of the desired count in one direction (``change`` >= 0)."""

    change: int
    at: float


def change_in_period(events: Sequence[ScaleEvent], period: float, now: float) -> int:
    """The sum of the changes recorded less than ``period`` seconds before ``now``."""
    return sum(event.change for event in events if now - event.at < period)


def _period_start(
    current: int,
    policy: RatePolicy,
    up_events: Sequence[ScaleEvent],
    down_events: Sequence[ScaleEvent],
    now: float,
) -> int:
    period = policy.period_seconds
    return current - change_in_period(up_events, period, now) + change_in_period(down_events, period, now)


def scale_up_limit(
    current: int,
    rules: ScalingRules,
    up_events: Sequence[ScaleEvent],
    down_events: Sequence[ScaleEvent],
    now: float,
) -> int:
    """The raw scale-up limit (not clamped to ``current``); ``Disabled`` gives ``current``.

    >>> rules = ScalingRules(0, SelectPolicy.MAX, (RatePolicy(PolicyType.PERCENT, 200, 60),))
    >>> scale_up_limit(10, rules, [], [], now=0.0)
    30
    """
    if rules.select_policy is SelectPolicy.DISABLED:
        return current
    pick_min = rules.select_policy is SelectPolicy.MIN
    result = INT32_MAX if pick_min else INT32_MIN
    for policy in rules.policies:
        start = _period_start(current, policy, up_events, down_events, now)
        if policy.type is PolicyType.PODS:
            proposed = start + policy.value
        else:
            proposed = math.ceil(start * (1 + policy.value / 100))
        result = min(result, proposed) if pick_min else max(result, proposed)
    return result


def scale_down_limit(
    current: int,
    rules: ScalingRules,
    up_events: Sequence[ScaleEvent],
    down_events: Sequence[ScaleEvent],
    now: float,
) -> int:
    """The raw scale-down limit (not clamped to ``current``); ``Disabled`` gives ``current``.

    ``Max`` (the biggest change) takes the lowest proposal; ``Percent`` truncates toward 0.

    >>> rules = ScalingRules(300, SelectPolicy.MIN, (RatePolicy(PolicyType.PODS, 2, 60),
    ...                                              RatePolicy(PolicyType.PERCENT, 50, 60)))
    >>> scale_down_limit(5, rules, [], [], now=0.0)
    3
    """
    if rules.select_policy is SelectPolicy.DISABLED:
        return current
    pick_max = rules.select_policy is SelectPolicy.MIN
    result = INT32_MIN if pick_max else INT32_MAX
    for policy in rules.policies:
        start = _period_start(current, policy, up_events, down_events, now)
        if policy.type is PolicyType.PODS:
            proposed = start - policy.value
        else:
            proposed = int(start * (1 - policy.value / 100))
        result = max(result, proposed) if pick_max else min(result, proposed)
    return result


def rate_limit(
    current: int,
    desired: int,
    *,
    min_replicas: int,
    max_replicas: int,
    scale_up: ScalingRules,
    scale_down: ScalingRules,
    up_events: Sequence[ScaleEvent],
    down_events: Sequence[ScaleEvent],
    now: float,
) -> tuple[int, LimitReason]:
    """Clamp ``desired`` by the rate policies and ``[min, max]`` (``convertDesiredReplicasWithBehaviorRate``).

    >>> up = ScalingRules(0, SelectPolicy.MAX, (RatePolicy(PolicyType.PODS, 4, 15),
    ...                                         RatePolicy(PolicyType.PERCENT, 100, 15)))
    >>> down = ScalingRules(300, SelectPolicy.MAX, (RatePolicy(PolicyType.PERCENT, 100, 15),))
    >>> rate_limit(10, 50, min_replicas=1, max_replicas=1000, scale_up=up, scale_down=down,
    ...            up_events=[], down_events=[], now=0.0)
    (20, <LimitReason.SCALE_UP_LIMIT: 'ScaleUpLimit'>)
    """
    if desired > current:
        limit = max(scale_up_limit(current, scale_up, up_events, down_events, now), current)
        if max_replicas > limit:
            allowed, reason = limit, LimitReason.SCALE_UP_LIMIT
        else:
            allowed, reason = max_replicas, LimitReason.TOO_MANY_REPLICAS
        if desired > allowed:
            return allowed, reason
    elif desired < current:
        limit = min(scale_down_limit(current, scale_down, up_events, down_events, now), current)
        if min_replicas < limit:
            allowed, reason = limit, LimitReason.SCALE_DOWN_LIMIT
        else:
            allowed, reason = min_replicas, LimitReason.TOO_FEW_REPLICAS
        if desired < allowed:
            return allowed, reason
    return desired, LimitReason.DESIRED_WITHIN_RANGE
