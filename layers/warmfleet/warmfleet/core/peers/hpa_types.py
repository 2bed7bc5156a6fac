"""The HPA controller's inputs and outputs: settings, metric specs, behavior, the HPA, a reconcile's result.

Plain frozen dataclasses for :mod:`warmfleet.core.peers.hpa_controller`, built
from the peers' vector files by :mod:`warmfleet.conformance.hpa` and from
warmfleet's own data by the simulator's HPA baseline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from warmfleet.core.peers.hpa import Pod
from warmfleet.core.rules.rate_limit import PolicyType, RatePolicy, ScaleEvent, ScalingRules, SelectPolicy
from warmfleet.core.rules.stabilization import Recommendation

OBJECT_OR_EXTERNAL = frozenset({"Object", "External"})
FAILURE_REASONS = {
    "Resource": "FailedGetResourceMetric",
    "ContainerResource": "FailedGetContainerResourceMetric",
    "Pods": "FailedGetPodsMetric",
    "Object": "FailedGetObjectMetric",
    "External": "FailedGetExternalMetric",
}


class TargetType(StrEnum):
    """``MetricTarget.type``."""

    UTILIZATION = "Utilization"
    AVERAGE_VALUE = "AverageValue"
    VALUE = "Value"


@dataclass(frozen=True, slots=True)
class ControllerSettings:
    """The controller's flags (``--horizontal-pod-autoscaler-*``); the scale-up cap is 2.0 in production."""

    tolerance: float = 0.1
    downscale_stabilization_window_seconds: int = 300
    scale_up_limit_factor: float = 2.0
    scale_up_limit_minimum: float = 4.0


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric of the HPA with what fetching it returns.

    ``type`` is the source type (an unknown one is invalid); ``samples`` are the
    per-pod samples (Resource, ContainerResource, Pods), ``value`` the object
    value, ``external`` the external samples; ``fetch_error`` makes the fetch fail.
    """

    type: str
    target_type: TargetType | None = None
    target: int = 0
    samples: Mapping[str, int] = field(default_factory=dict)
    value: int | None = None
    external: tuple[int, ...] = ()
    fetch_error: bool = False
    container: str | None = None


@dataclass(frozen=True, slots=True)
class Behavior:
    """An HPA ``behavior`` after defaulting; the tolerances apply with ``HPAConfigurableTolerance``."""

    scale_up: ScalingRules
    scale_down: ScalingRules
    tolerance_up: float | None = None
    tolerance_down: float | None = None


def default_scale_up() -> ScalingRules:
    """``scaleUp`` defaults: no stabilization, ``max(4 pods, 100 %)`` per 15 s."""
    policies = (RatePolicy(PolicyType.PODS, 4, 15), RatePolicy(PolicyType.PERCENT, 100, 15))
    return ScalingRules(0, SelectPolicy.MAX, policies)


def default_scale_down(window: int) -> ScalingRules:
    """``scaleDown`` defaults: the controller's stabilization window, 100 % per 15 s."""
    return ScalingRules(window, SelectPolicy.MAX, (RatePolicy(PolicyType.PERCENT, 100, 15),))


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    """What one reconcile did: the new desired count, whether it wrote it, its error and conditions."""

    desired_replicas: int
    scale_updated: bool
    returned_error: bool
    conditions: tuple[tuple[str, str, str], ...]
    recommendations: tuple[Recommendation, ...]
    scale_up_events: tuple[ScaleEvent, ...] = ()
    scale_down_events: tuple[ScaleEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Hpa:
    """The HPA object: bounds, metrics in order, and ``behavior`` (None: the legacy path)."""

    min_replicas: int
    max_replicas: int
    metrics: tuple[MetricSpec, ...]
    behavior: Behavior | None = None


@dataclass(frozen=True, slots=True)
class ReconcileInputs:
    """Everything one reconcile reads; ``recommendations=None`` means the HPA was never seen."""

    hpa: Hpa
    spec_replicas: int
    status_replicas: int
    pods: tuple[Pod, ...]
    recommendations: tuple[Recommendation, ...] | None = None
    scale_up_events: tuple[ScaleEvent, ...] = ()
    scale_down_events: tuple[ScaleEvent, ...] = ()
    scale_to_zero_gate: bool = False
    configurable_tolerance_gate: bool = False
    initial_conditions: tuple[tuple[str, str, str], ...] = ()
