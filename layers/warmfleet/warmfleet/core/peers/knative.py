"""The Knative KPA peer: the decider of ``pkg/autoscaler/scaling/autoscaler.go`` as pure functions.

Mirrors Knative Serving's ``autoscaler.Scale`` (https://knative.dev/docs/serving/autoscaling/kpa-specific/).
Observed values are revision totals averaged over the stable and the panic window. Each call computes
``ceil(observed / target)`` for both windows, clamps them to ``[floor(ready / maxScaleDownRate),
ceil(maxScaleUpRate * ready)]`` (no lower clamp when the revision is unreachable; ``ready`` is at least 1),
raises a non-zero result to ``activationScale``, enters or extends panic when
``panic_desired / ready >= panicThreshold`` and leaves it a full stable window later, ratchets the count
while panicking, holds scale-downs in a max-window of 2 s buckets when a scale-down delay was configured at
creation, and reports the excess burst capacity. The panic rules are the shared
:mod:`warmfleet.core.rules.panic`. The state is an immutable :class:`AutoscalerState`; time (``now``,
unix seconds) and the ready-pod and metric readings are passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

from warmfleet.core.rules.panic import PanicState, is_over_panic_threshold, next_panic_state, ratchet

#: Go's zero ``time.Time`` as unix seconds: a panic time equal to it reads as "not panicking" (IsZero).
GO_ZERO_TIME_UNIX = -62135596800.0
#: The autoscaler's tick, which is also the delay window's bucket width.
TICK_INTERVAL_SECONDS = 2
#: ``int32`` saturation of the desired counts, as Go's conversion from float64 does on amd64.
_INT32_MAX = 2**31 - 1


class ScalingMetric(StrEnum):
    CONCURRENCY = "concurrency"
    RPS = "rps"


@dataclass(frozen=True, slots=True)
class DeciderSpec:
    """The KPA ``DeciderSpec`` fields ``Scale`` reads (the test helper's defaults)."""

    target_value: float
    total_value: float
    target_burst_capacity: float = 200.0
    panic_threshold: float = 2.0
    max_scale_up_rate: float = 1000.0
    max_scale_down_rate: float = 2.0
    stable_window_seconds: float = 60.0
    scale_down_delay_seconds: float = 0.0
    reachable: bool = True
    activation_scale: int = 1
    scaling_metric: ScalingMetric = ScalingMetric.CONCURRENCY
    activator_capacity: float = 100.0

    def __post_init__(self) -> None:
        if not self.target_value > 0:
            raise ValueError(f"target_value must be > 0, got {self.target_value}")
        if not self.max_scale_down_rate > 0 or not self.max_scale_up_rate > 0:
            raise ValueError("max_scale_up_rate and max_scale_down_rate must be > 0")


@dataclass(frozen=True, slots=True)
class MaxTimeWindow:
    """Knative's ``max.TimeWindow``: the maximum recorded over the last ``size`` buckets.

    ``entries`` are ``(bucket, value)`` pairs in descending value order, the "descending maxima" of
    ``aggregation/max/window.go``.
    """

    size: int
    entries: tuple[tuple[int, int], ...] = ()

    @classmethod
    def for_duration(cls, seconds: float, granularity: int = TICK_INTERVAL_SECONDS) -> MaxTimeWindow:
        return cls(size=math.ceil(seconds / granularity))

    @staticmethod
    def bucket(now: float, granularity: int = TICK_INTERVAL_SECONDS) -> int:
        """``int(now.Unix()) / granularity`` with Go's integer division (truncating toward zero).

        >>> MaxTimeWindow.bucket(5.5), MaxTimeWindow.bucket(-3.0)
        (2, -1)
        """
        unix = math.floor(now)
        quotient = abs(unix) // granularity
        return quotient if unix >= 0 else -quotient

    def record(self, now: float, value: int) -> MaxTimeWindow:
        index = self.bucket(now)
        entries = list(self.entries)
        while entries and value >= entries[-1][1]:
            entries.pop()  # a smaller, older value can never be the maximum again
        while entries and index - entries[0][0] >= self.size:
            entries.pop(0)  # out of the window
        if entries and entries[-1][0] == index:
            value = max(value, entries.pop()[1])
        entries.append((index, value))
        return replace(self, entries=tuple(entries))

    @property
    def current(self) -> int:
        return self.entries[0][1] if self.entries else 0


@dataclass(frozen=True, slots=True)
class AutoscalerState:
    """What the autoscaler remembers between calls: panic time, max panic pods, the delay window."""

    panic: PanicState = field(default_factory=PanicState)
    delay_window: MaxTimeWindow | None = None

    @property
    def panicking(self) -> bool:
        return self.panic.panicking


class Reason(StrEnum):
    """Which rule decided the count."""

    INVALID = "invalid"  # the ready-pod count or the metric could not be read
    STABLE = "stable"
    PANIC = "panic"  # panicking: max(stable, panic), ratcheted
    SCALE_DOWN_DELAYED = "scale_down_delayed"  # the delay window held a larger recent count


@dataclass(frozen=True, slots=True)
class ScaleResult:
    desired_pod_count: int
    excess_burst_capacity: int
    scale_valid: bool
    reason: Reason = Reason.STABLE


INVALID = ScaleResult(0, 0, scale_valid=False, reason=Reason.INVALID)


def new_autoscaler(spec: DeciderSpec, ready_count: int | None, now: float) -> AutoscalerState:
    """The constructor: a revision created with more than one ready pod starts in panic at ``now``.

    ``ready_count`` None means the pod counter failed, which counts as 0. The delay window exists only
    when the spec has a scale-down delay at creation.
    """
    current = ready_count or 0
    window = None
    if spec.scale_down_delay_seconds > 0:
        window = MaxTimeWindow.for_duration(spec.scale_down_delay_seconds)
    panic = PanicState(panic_since=now if current > 1 else None, max_panic_pods=current)
    return AutoscalerState(panic=panic, delay_window=window)


def _excess_burst_capacity(spec: DeciderSpec, ready_pods: int, observed_panic: float) -> int:
    if spec.target_burst_capacity == 0:
        return 0
    if spec.target_burst_capacity > 0:
        total_capacity = ready_pods * spec.total_value
        return math.floor(total_capacity - spec.target_burst_capacity - observed_panic)
    return -1  # unlimited burst capacity


def _clamped(desired: float, low: float, high: float) -> int:
    value = min(max(desired, low), high)
    return _INT32_MAX if value >= _INT32_MAX else int(value)


def scale(
    state: AutoscalerState,
    spec: DeciderSpec,
    *,
    now: float,
    ready_pods: int | None,
    observed_stable: float | None,
    observed_panic: float | None,
) -> tuple[AutoscalerState, ScaleResult]:
    """One ``Scale`` call; a None reading (the counter or the metric failed) is an invalid result."""
    if ready_pods is None or observed_stable is None or observed_panic is None:
        return state, INVALID
    ready = max(1, ready_pods)
    max_up = math.ceil(spec.max_scale_up_rate * ready)
    max_down = math.floor(ready / spec.max_scale_down_rate) if spec.reachable else 0
    stable_raw = math.ceil(observed_stable / spec.target_value)
    panic_raw = math.ceil(observed_panic / spec.target_value)
    stable_desired = _clamped(stable_raw, max_down, max_up)
    panic_desired = _clamped(panic_raw, max_down, max_up)
    if spec.activation_scale > 1:
        if stable_raw > 0 and spec.activation_scale > stable_desired:
            stable_desired = spec.activation_scale
        if panic_raw > 0 and spec.activation_scale > panic_desired:
            panic_desired = spec.activation_scale

    over = is_over_panic_threshold(panic_raw, ready_pods, spec.panic_threshold)
    panic = next_panic_state(state.panic, over, now, spec.stable_window_seconds)
    if panic.panic_since == GO_ZERO_TIME_UNIX:
        panic = PanicState(None, panic.max_panic_pods)  # Go's time.IsZero: a zero panic time is no panic
    panic, desired = ratchet(panic, stable_desired, panic_desired)
    reason = Reason.PANIC if panic.panicking else Reason.STABLE

    window = state.delay_window
    if window is not None and spec.reachable:
        window = window.record(now, desired)
        if window.current != desired:
            desired, reason = window.current, Reason.SCALE_DOWN_DELAYED
    ebc = _excess_burst_capacity(spec, ready_pods, observed_panic)
    result = ScaleResult(desired, ebc, scale_valid=True, reason=reason)
    return AutoscalerState(panic=panic, delay_window=window), result


def override_panic(state: AutoscalerState, panic_since: float, max_panic_pods: int) -> AutoscalerState:
    """Set the panic state directly, as the peer's tests do to start from a panicking autoscaler."""
    return replace(state, panic=PanicState(panic_since=panic_since, max_panic_pods=max_panic_pods))
