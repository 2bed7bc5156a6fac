"""The Ray Serve peer: the default replica-queue-length policy and its wrapper, as pure functions.

Mirrors ``python/ray/serve/autoscaling_policy.py`` of ray-project/ray
(https://docs.ray.io/en/latest/serve/advanced-guides/advanced-autoscaling.html). The raw policy wants
``current * total / (target_ongoing_requests * current)`` replicas (``target`` when nothing runs); the
wrapper ``_apply_autoscaling_config`` then

1. answers a cold start (0 running, requests waiting) with ``max(ceil(upscaling_factor), target)`` at once;
2. applies the scaling factors: ``ceil(current + factor * (raw - current))``, one step further down when a
   factor would leave a wanted scale-down stuck, ``ceil(raw)`` when nothing runs;
3. returns a scale-up from zero at once, otherwise applies the wall-clock delays: a change must be wanted
   continuously for ``upscale_delay_s`` / ``downscale_delay_s`` (``downscale_to_zero_delay_s`` for 1 -> 0,
   and never below 1 otherwise), measured from the first call of the streak, with a 1e-6 s epsilon.

Min/max bounds are not applied by the wrapper; Ray applies them afterwards (:func:`apply_bounds`). Time is
passed in (``now``); the delay streak lives in an immutable :class:`DelayState`. The older revision's
``_calculate_desired_num_replicas`` and its tick-counting delays are
:func:`legacy_calculate_desired_num_replicas` and :func:`legacy_apply_delay_logic`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

CONTROL_LOOP_INTERVAL_S = 0.1
DELAY_ELAPSED_EPS_S = 1e-6
DEFAULT_TARGET_ONGOING_REQUESTS = 2.0


@dataclass(frozen=True, slots=True)
class AutoscalingConfig:
    """Ray Serve's ``AutoscalingConfig`` (the fields the policy reads), with Ray's defaults."""

    min_replicas: int = 1
    max_replicas: int = 1
    target_ongoing_requests: float = DEFAULT_TARGET_ONGOING_REQUESTS
    smoothing_factor: float = 1.0
    upscale_smoothing_factor: float | None = None
    downscale_smoothing_factor: float | None = None
    upscaling_factor: float | None = None
    downscaling_factor: float | None = None
    upscale_delay_s: float = 30.0
    downscale_delay_s: float = 600.0
    downscale_to_zero_delay_s: float | None = None

    def __post_init__(self) -> None:
        if not self.target_ongoing_requests > 0:
            raise ValueError(f"target_ongoing_requests must be > 0, got {self.target_ongoing_requests}")

    @property
    def upscale_factor(self) -> float:
        """``upscaling_factor or upscale_smoothing_factor or smoothing_factor`` (a 0 falls through)."""
        return self.upscaling_factor or self.upscale_smoothing_factor or self.smoothing_factor

    @property
    def downscale_factor(self) -> float:
        return self.downscaling_factor or self.downscale_smoothing_factor or self.smoothing_factor


@dataclass(frozen=True, slots=True)
class AutoscalingContext:
    """One deployment's view for one control-loop call (``ctx`` in Ray)."""

    current_num_replicas: int
    target_num_replicas: int
    total_num_requests: float
    config: AutoscalingConfig


class Reason(StrEnum):
    """Why the wrapper returned its number."""

    COLD_START = "cold_start"
    FROM_ZERO = "scale_from_zero"
    UPSCALE_DELAYED = "upscale_delayed"
    SCALED_UP = "scaled_up"
    DOWNSCALE_DELAYED = "downscale_delayed"
    SCALED_DOWN = "scaled_down"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class DelayState:
    """The delay streak: ``counter`` > 0 up, < 0 down; ``streak_start`` when the streak began."""

    counter: int = 0
    streak_start: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    replicas: int
    state: DelayState
    reason: Reason

    @property
    def read_clock(self) -> bool:
        """True when the delay logic ran (the only step that reads the time)."""
        return self.reason not in {Reason.COLD_START, Reason.FROM_ZERO}


RawPolicy = Callable[[AutoscalingContext], float]


def replica_queue_length_policy(ctx: AutoscalingContext) -> float:
    """The raw default policy: replicas for ``target_ongoing_requests`` per replica (a float)."""
    running = ctx.current_num_replicas
    if running == 0:
        return float(ctx.target_num_replicas)
    error_ratio = ctx.total_num_requests / (ctx.config.target_ongoing_requests * running)
    return running * error_ratio


def cold_start_replicas(ctx: AutoscalingContext) -> int | None:
    """0 running with requests waiting: ``max(ceil(1 * upscale_factor), target)``; otherwise None."""
    if ctx.current_num_replicas == 0 and ctx.total_num_requests > 0:
        return max(math.ceil(1 * ctx.config.upscale_factor), ctx.target_num_replicas)
    return None


def apply_scaling_factors(desired: float, current: int, config: AutoscalingConfig) -> int:
    """Move ``factor`` of the way from ``current`` to ``desired`` (``_apply_scaling_factors``).

    >>> apply_scaling_factors(20, 10, AutoscalingConfig(upscaling_factor=0.5))
    15
    """
    if current == 0:
        return math.ceil(desired)  # from zero a factor would amplify the whole count
    delta = desired - current
    factor = config.upscale_factor if delta > 0 else config.downscale_factor
    scaled = math.ceil(current + factor * delta)
    if math.ceil(float(desired)) < current and scaled == current:
        scaled -= 1  # a small factor must not leave a wanted scale-down stuck
    return scaled


def _delay_for_downscale(target: int, config: AutoscalingConfig) -> float:
    if target == 1 and config.downscale_to_zero_delay_s is not None:
        return config.downscale_to_zero_delay_s
    return config.downscale_delay_s


def apply_delay_logic(
    desired: int, current_target: int, config: AutoscalingConfig, state: DelayState, now: float
) -> Decision:
    """The wall-clock delays (``_apply_delay_logic``): a change fires once wanted for its full delay."""
    if desired > current_target:
        counter, start = (0, None) if state.counter < 0 else (state.counter, state.streak_start)
        start = now if start is None else start
        if now - start + DELAY_ELAPSED_EPS_S >= config.upscale_delay_s:
            return Decision(desired, DelayState(), Reason.SCALED_UP)
        return Decision(current_target, DelayState(counter + 1, start), Reason.UPSCALE_DELAYED)
    if desired < current_target:
        counter, start = (0, None) if state.counter > 0 else (state.counter, state.streak_start)
        start = now if start is None else start
        if current_target != 1:
            desired = max(1, desired)  # only 1 -> 0 may reach zero
        if now - start + DELAY_ELAPSED_EPS_S >= _delay_for_downscale(current_target, config):
            return Decision(desired, DelayState(), Reason.SCALED_DOWN)
        return Decision(current_target, DelayState(counter - 1, start), Reason.DOWNSCALE_DELAYED)
    return Decision(current_target, DelayState(), Reason.HOLD)


def apply_default_params(desired: float, ctx: AutoscalingContext, state: DelayState, now: float) -> Decision:
    """Factors, then an immediate scale-up from zero, else the delays on ``max(0, scaled)``."""
    scaled = apply_scaling_factors(desired, ctx.current_num_replicas, ctx.config)
    if ctx.current_num_replicas == 0 and scaled > 0:
        return Decision(scaled, state, Reason.FROM_ZERO)
    return apply_delay_logic(max(0, scaled), ctx.target_num_replicas, ctx.config, state, now)


def autoscale(
    ctx: AutoscalingContext,
    state: DelayState,
    now: float,
    raw_policy: RawPolicy = replica_queue_length_policy,
) -> Decision:
    """One call of the wrapped policy (``_apply_autoscaling_config(raw_policy)``)."""
    cold = cold_start_replicas(ctx)
    if cold is not None:
        return Decision(cold, state, Reason.COLD_START)
    return apply_default_params(raw_policy(ctx), ctx, state, now)


def app_level_autoscale(
    contexts: Mapping[str, AutoscalingContext],
    raw_decisions: Mapping[str, float],
    states: Mapping[str, DelayState],
    now: float,
) -> dict[str, Decision]:
    """The application-level wrapper: per deployment with a raw decision, cold start or factors + delays."""
    decisions: dict[str, Decision] = {}
    for name, ctx in contexts.items():
        if name not in raw_decisions:
            continue
        state = states.get(name, DelayState())
        cold = cold_start_replicas(ctx)
        if cold is not None:
            decisions[name] = Decision(cold, state, Reason.COLD_START)
        else:
            decisions[name] = apply_default_params(raw_decisions[name], ctx, state, now)
    return decisions


def apply_bounds(replicas: int, config: AutoscalingConfig) -> int:
    """The bounds Ray applies after the policy (``get_decision_num_replicas``): clamp to [min, max].

    >>> apply_bounds(10, AutoscalingConfig(min_replicas=0, max_replicas=2))
    2
    """
    return max(config.min_replicas, min(config.max_replicas, replicas))


def legacy_calculate_desired_num_replicas(
    config: AutoscalingConfig, total_num_requests: float, num_running_replicas: int
) -> int:
    """The older ``_calculate_desired_num_replicas``: smoothed error ratio, then min/max.

    >>> config = AutoscalingConfig(max_replicas=100, target_ongoing_requests=1)
    >>> legacy_calculate_desired_num_replicas(config, total_num_requests=20, num_running_replicas=10)
    20
    """
    if num_running_replicas == 0:
        raise ValueError("Number of replicas cannot be zero")
    error_ratio = total_num_requests / (config.target_ongoing_requests * num_running_replicas)
    factor = config.upscale_factor if error_ratio >= 1 else config.downscale_factor
    desired = math.ceil(num_running_replicas * (1 + (error_ratio - 1) * factor))
    if (
        math.ceil(num_running_replicas * error_ratio) < num_running_replicas
        and desired == num_running_replicas
    ):
        desired -= 1
    return apply_bounds(desired, config)


def legacy_apply_delay_logic(
    desired: int, current_target: int, config: AutoscalingConfig, counter: int
) -> tuple[int, int]:
    """The older tick-counting delays: act once ``counter`` passes ``int(delay / 0.1)`` consecutive calls."""
    if desired > current_target:
        counter = max(counter, 0) + 1
        if counter > int(config.upscale_delay_s / CONTROL_LOOP_INTERVAL_S):
            return desired, 0
        return current_target, counter
    if desired < current_target:
        counter = min(counter, 0) - 1
        to_zero = current_target == 1 and desired == 0
        delay = _delay_for_downscale(current_target, config) if to_zero else config.downscale_delay_s
        if not to_zero:
            desired = max(1, desired)
        if counter < -int(delay / CONTROL_LOOP_INTERVAL_S):
            return desired, 0
        return current_target, counter
    return current_target, 0


def gang_round_up(replicas: float, gang_size: int) -> int:
    """Gang scheduling: whole gangs, ``ceil(replicas / gang) * gang`` (0 stays 0, gang 1 changes nothing)."""
    if gang_size < 1:
        raise ValueError(f"gang size must be >= 1, got {gang_size}")
    return math.ceil(replicas / gang_size) * gang_size
