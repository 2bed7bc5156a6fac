"""KEDA's scale executor (``RequestScale``): the 0 <-> N activation phase, its conditions and pauses.

Mirrors ``pkg/scaling/executor/scale_scaledobjects.go`` of kedacore/keda
(https://keda.sh/docs/latest/concepts/scaling-deployments/#pause-autoscaling). KEDA itself only moves a
target between zero (or ``idleReplicaCount``) and ``minReplicaCount``; between min and max the HPA decides.
The result starts ``Ready=True ScaledObjectReady``; a ``paused-replicas`` or ``paused`` annotation returns
at once with ``Paused=True``; an active (or force-activated) object at 0 (or below min in idle mode) is
scaled to ``max(min, 1)`` unless ``paused-scale-out``; an inactive one is scaled back to idle or 0 once
its cooldown has passed, unless ``paused-scale-in``. Time is passed in (``now``, ``created_at``,
``last_active_at``, in seconds), never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from warmfleet.core.peers.keda_fallback import ConditionStatus
from warmfleet.core.peers.keda_sqs import parse_go_bool

ANNOTATION_PREFIX = "autoscaling.keda.sh/"
PAUSED_REPLICAS = ANNOTATION_PREFIX + "paused-replicas"
PAUSED = ANNOTATION_PREFIX + "paused"
PAUSED_SCALE_IN = ANNOTATION_PREFIX + "paused-scale-in"
PAUSED_SCALE_OUT = ANNOTATION_PREFIX + "paused-scale-out"
FORCE_ACTIVATION = ANNOTATION_PREFIX + "force-activation"
DEFAULT_COOLDOWN_SECONDS = 300.0
DEFAULT_INITIAL_COOLDOWN_SECONDS = 0.0

READY_SUCCESS_REASON = "ScaledObjectReady"


@dataclass(frozen=True, slots=True)
class Condition:
    status: ConditionStatus
    reason: str


@dataclass(frozen=True, slots=True)
class ScaledObjectSpec:
    """The parts of a ScaledObject the executor reads (``fallback_replicas`` None: no fallback)."""

    min_replica_count: int = 0
    idle_replica_count: int | None = None
    cooldown_period_seconds: float = DEFAULT_COOLDOWN_SECONDS
    initial_cooldown_period_seconds: float = DEFAULT_INITIAL_COOLDOWN_SECONDS
    fallback_replicas: int | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)

    def _flag(self, key: str) -> bool:
        # strconv.ParseBool; a value that does not parse counts as true, an absent one as false
        value = self.annotations.get(key)
        if value is None:
            return False
        try:
            return parse_go_bool(value)
        except ValueError:
            return True

    @property
    def paused(self) -> bool:
        return PAUSED_REPLICAS in self.annotations or self._flag(PAUSED)

    @property
    def paused_scale_in(self) -> bool:
        return self._flag(PAUSED_SCALE_IN)

    @property
    def paused_scale_out(self) -> bool:
        return self._flag(PAUSED_SCALE_OUT)

    @property
    def force_activation(self) -> bool:
        return self._flag(FORCE_ACTIVATION)


@dataclass(frozen=True, slots=True)
class ScaleResult:
    """What one ``RequestScale`` did: the count written (None: nothing) and the conditions it set."""

    replicas_written: int | None
    ready: Condition
    active: Condition | None = None
    paused: Condition | None = None
    last_active_refreshed: bool = False

    def replicas_after(self, current_replicas: int) -> int:
        return current_replicas if self.replicas_written is None else self.replicas_written


def _cooled_down(spec: ScaledObjectSpec, now: float, created_at: float, last_active_at: float | None) -> bool:
    # KEDA compares with time.Before: the period must have strictly passed
    if last_active_at is None:
        return created_at + spec.initial_cooldown_period_seconds < now
    return last_active_at + spec.cooldown_period_seconds < now


def request_scale(
    spec: ScaledObjectSpec,
    *,
    current_replicas: int,
    is_active: bool,
    is_error: bool,
    now: float,
    created_at: float,
    last_active_at: float | None,
) -> ScaleResult:
    """Decide the activation phase for one poll of the ScaledObject's triggers."""
    ready = Condition(ConditionStatus.TRUE, READY_SUCCESS_REASON)
    if spec.paused:
        return ScaleResult(None, ready, paused=Condition(ConditionStatus.TRUE, "ScaledObjectPaused"))
    minimum = spec.min_replica_count
    if is_active or spec.force_activation:
        active = Condition(ConditionStatus.TRUE, "ScalerActive")
        below_min_in_idle = spec.idle_replica_count is not None and current_replicas < minimum
        if below_min_in_idle or current_replicas == 0:
            if spec.paused_scale_out:
                return ScaleResult(None, ready, active)
            return ScaleResult(max(minimum, 1), ready, active, last_active_refreshed=True)
        if is_error:
            return ScaleResult(None, Condition(ConditionStatus.UNKNOWN, "PartialTriggerError"), active)
        return ScaleResult(None, ready, active, last_active_refreshed=True)
    inactive = Condition(ConditionStatus.FALSE, "ScalerNotActive")
    if is_error and spec.fallback_replicas is not None and spec.fallback_replicas != 0:
        return ScaleResult(None, ready, inactive)  # fallback acts through the metric
    if is_error and spec.fallback_replicas is None:
        return ScaleResult(None, Condition(ConditionStatus.FALSE, "TriggerError"), inactive)
    idle = spec.idle_replica_count
    if (idle is not None and current_replicas > idle) or (current_replicas > 0 and minimum == 0):
        if spec.paused_scale_in:
            return ScaleResult(None, ready, inactive)
        if not _cooled_down(spec, now, created_at, last_active_at):
            return ScaleResult(None, ready, Condition(ConditionStatus.FALSE, "ScalerCooldown"))
        return ScaleResult(minimum if idle is None else idle, ready, inactive)
    if idle is None and current_replicas < minimum:
        return ScaleResult(minimum, ready, inactive)
    return ScaleResult(None, ready, inactive)
