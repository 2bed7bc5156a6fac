"""The scaling policy: what ``decide()`` aims for and how fast it may move.

Frozen pydantic models; an invalid policy raises ``pydantic.ValidationError``
naming the field (``behavior.scale_down.policies.0.value``). Defaults equal the
peers' where warmfleet adopts theirs:

* HPA behaviour (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#default-behavior):
  scale-down stabilization 300 s and at most 100 % per 15 s; scale-up
  stabilization 0 s and at most ``max(100 %, 4 instances)`` per 15 s; tolerance 0.1
  each way.
* Knative panic (https://knative.dev/docs/serving/autoscaling/kpa-specific/):
  a 60 s stable window, a panic window of 10 % of it, a threshold of 200 %.
* KEDA fallback (https://keda.sh/docs/latest/reference/scaledobject-spec/#fallback):
  after more than ``failure_threshold`` (3) consecutive failures; warmfleet only
  allows the behaviours that hold or raise capacity.

Loading a policy from YAML, JSON or the environment lives outside the core
(:mod:`warmfleet.policy_loader`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warmfleet.core.rules.fallback import NEVER_LOWERS, FallbackBehavior
from warmfleet.core.rules.panic import (
    DEFAULT_PANIC_THRESHOLD_PERCENTAGE,
    DEFAULT_PANIC_WINDOW_PERCENTAGE,
    DEFAULT_STABLE_WINDOW_SECONDS,
)
from warmfleet.core.rules.rate_limit import PolicyType, RatePolicy, ScalingRules, SelectPolicy
from warmfleet.core.rules.tolerance import DEFAULT_TOLERANCE, Tolerance

#: The HPA's longest allowed rate-policy period and stabilization window (seconds).
MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_SECONDS = 3600


class SignalKind(StrEnum):
    """How a signal's reading is turned into a proposal.

    >>> SignalKind("total") is SignalKind.TOTAL
    True"""

    AVERAGE = "average"  # per-instance average: HPA ratio ceil(ready * value / target)
    TOTAL = "total"  # a total for the group: ceil(total / target_per_instance), KEDA-style


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class SignalRule:
    """A signal's policy as ``decide()`` reads it on every call: plain slots, derived values computed once.

    A pydantic model's field access is several times a slot's on CPython (BaseModel
    defines ``__getattr__``), and step 1 reads about ten fields per signal per call.

    >>> SignalPolicy(name="QueueBacklog", kind="total", target=10).rule.total
    True
    """

    name: str
    kind: SignalKind
    total: bool
    target: float
    target_text: str
    tolerance: Tolerance
    activation_threshold: float
    staleness_seconds: float


class SignalPolicy(_Frozen):
    """One signal: its kind, target, tolerance band, activation threshold and staleness limit.

    >>> SignalPolicy(name="QueueBacklog", kind="total", target=10).tolerance
    Tolerance(scale_down=0.1, scale_up=0.1)"""

    name: str = Field(min_length=1)
    kind: SignalKind = SignalKind.AVERAGE
    target: float = Field(gt=0)
    tolerance_up: float = Field(default=DEFAULT_TOLERANCE, ge=0)
    tolerance_down: float = Field(default=DEFAULT_TOLERANCE, ge=0, le=1)
    activation_threshold: float = Field(default=0.0, ge=0)
    staleness_seconds: float = Field(default=120.0, gt=0)

    @cached_property
    def tolerance(self) -> Tolerance:
        """The tolerance band as the shared rule object."""
        return Tolerance(scale_down=self.tolerance_down, scale_up=self.tolerance_up)

    @cached_property
    def target_text(self) -> str:
        """The target as the decision messages print it (``{target:g}``), formatted once per policy."""
        return f"{self.target:g}"

    @cached_property
    def rule(self) -> SignalRule:
        """This signal as step 1 reads it (see :class:`SignalRule`)."""
        return SignalRule(
            name=self.name,
            kind=self.kind,
            total=self.kind is SignalKind.TOTAL,
            target=self.target,
            target_text=self.target_text,
            tolerance=self.tolerance,
            activation_threshold=self.activation_threshold,
            staleness_seconds=self.staleness_seconds,
        )


class RatePolicySpec(_Frozen):
    """At most ``value`` instances (``Pods``) or percent (``Percent``) per ``period_seconds``.

    >>> RatePolicySpec(type="Pods", value=4, period_seconds=15).value
    4"""

    type: PolicyType
    value: int = Field(gt=0)
    period_seconds: int = Field(gt=0, le=MAX_PERIOD_SECONDS)


class ScalingRulesSpec(_Frozen):
    """One direction of the behaviour: stabilization window, rate policies, select policy.

    >>> spec = ScalingRulesSpec(stabilization_window_seconds=60, policies=[
    ...     {"type": "Percent", "value": 50, "period_seconds": 30}])
    >>> spec.rules.longest_period
    30"""

    stabilization_window_seconds: int = Field(ge=0, le=MAX_STABILIZATION_SECONDS)
    select_policy: SelectPolicy = SelectPolicy.MAX
    policies: tuple[RatePolicySpec, ...]

    @model_validator(mode="after")
    def _policies_unless_disabled(self) -> Self:
        if not self.policies and self.select_policy is not SelectPolicy.DISABLED:
            raise ValueError("policies: at least one rate policy is needed unless select_policy is Disabled")
        return self

    @cached_property
    def rules(self) -> ScalingRules:
        """The spec as the shared rule object."""
        return ScalingRules(
            stabilization_window_seconds=self.stabilization_window_seconds,
            select_policy=self.select_policy,
            policies=tuple(RatePolicy(p.type, p.value, p.period_seconds) for p in self.policies),
        )


def _default_scale_up() -> ScalingRulesSpec:
    return ScalingRulesSpec(
        stabilization_window_seconds=0,
        policies=(
            RatePolicySpec(type=PolicyType.PODS, value=4, period_seconds=15),
            RatePolicySpec(type=PolicyType.PERCENT, value=100, period_seconds=15),
        ),
    )


def _default_scale_down() -> ScalingRulesSpec:
    return ScalingRulesSpec(
        stabilization_window_seconds=300,
        policies=(RatePolicySpec(type=PolicyType.PERCENT, value=100, period_seconds=15),),
    )


class Behavior(_Frozen):
    """HPA ``behavior``: each direction's stabilization and rate policies (HPA defaults).

    >>> Behavior().scale_down.stabilization_window_seconds
    300"""

    scale_up: ScalingRulesSpec = Field(default_factory=_default_scale_up)
    scale_down: ScalingRulesSpec = Field(default_factory=_default_scale_down)


class PanicPolicy(_Frozen):
    """Knative panic mode; collectors read ``panic_value`` over ``panic_window_percentage`` of the window.

    >>> PanicPolicy().threshold_ratio
    2.0"""

    enabled: bool = True
    stable_window_seconds: float = Field(default=DEFAULT_STABLE_WINDOW_SECONDS, gt=0, le=3600)
    panic_window_percentage: float = Field(default=DEFAULT_PANIC_WINDOW_PERCENTAGE, gt=0, le=100)
    panic_threshold_percentage: float = Field(default=DEFAULT_PANIC_THRESHOLD_PERCENTAGE, gt=100, le=1000)

    @cached_property
    def threshold_ratio(self) -> float:
        """The threshold as a ratio (2.0 for 200 %), computed once per policy."""
        return self.panic_threshold_percentage / 100


class FallbackPolicy(_Frozen):
    """What a signal failing more than ``failure_threshold`` times in a row proposes (hold or raise only).

    >>> str(FallbackPolicy(replicas=4).behavior)
    'currentReplicasIfHigher'"""

    failure_threshold: int = Field(default=3, ge=0)
    behavior: FallbackBehavior = FallbackBehavior.CURRENT_REPLICAS_IF_HIGHER
    replicas: int = Field(default=0, ge=0)

    @field_validator("behavior")
    @classmethod
    def _never_lowers(cls, behavior: FallbackBehavior) -> FallbackBehavior:
        if behavior not in NEVER_LOWERS:
            allowed = ", ".join(sorted(NEVER_LOWERS))
            raise ValueError(f"warmfleet's fallback only holds or raises capacity: use one of {allowed}")
        return behavior


class AlarmStep(_Frozen):
    """While alarm ``alarm_name`` is in ALARM, the floor is the capacity when it fired plus this step.

    The step adds the larger of ``add_instances`` and ``add_percent`` of the
    capacity; with ``ceiling`` it never raises the floor above that.

    >>> AlarmStep(alarm_name="InFlightHigh", add_percent=50).add_instances
    0"""

    alarm_name: str = Field(min_length=1)
    add_instances: int = Field(default=0, ge=0)
    add_percent: float = Field(default=0.0, ge=0)
    ceiling: int | None = Field(default=None, ge=0)  # the step never raises above this

    @model_validator(mode="after")
    def _adds_something(self) -> Self:
        if self.add_instances == 0 and self.add_percent == 0:
            raise ValueError("add_instances: an alarm step must add instances or a percentage")
        return self


class ScheduledCapacity(_Frozen):
    """A named schedule window's floor and/or ceiling (the window's timing lives in the scheduler).

    >>> ScheduledCapacity(name="nights", ceiling=2).floor is None
    True"""

    name: str = Field(min_length=1)
    schedule_expression: str | None = None
    floor: int | None = Field(default=None, ge=0)
    ceiling: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _floor_below_ceiling(self) -> Self:
        if self.floor is None and self.ceiling is None:
            raise ValueError("floor: a scheduled capacity needs a floor or a ceiling")
        if self.floor is not None and self.ceiling is not None and self.floor > self.ceiling:
            raise ValueError(f"floor ({self.floor}) is above ceiling ({self.ceiling})")
        return self


def _default_signals() -> tuple[SignalPolicy, ...]:
    # In-flight requests are the one signal every instance publishes (GPU metrics are absent on CPU
    # instances, a queue may not exist), and a signal that is never read would block every scale-in.
    return (SignalPolicy(name="InFlightRequests", kind=SignalKind.AVERAGE, target=4.0),)


class Policy(_Frozen):
    """The whole scaling policy of one group.

    ``Policy()`` (an empty document) scales on ``InFlightRequests``, 4 per instance.

    Examples
    --------
    >>> policy = Policy.model_validate({"signals": [{"name": "gpu", "target": 70}]})
    >>> policy.behavior.scale_down.stabilization_window_seconds, policy.warmup_budget_seconds
    (300, 900.0)
    """

    signals: tuple[SignalPolicy, ...] = Field(default_factory=_default_signals, min_length=1)
    behavior: Behavior = Field(default_factory=Behavior)
    panic: PanicPolicy = Field(default_factory=PanicPolicy)
    fallback: FallbackPolicy = Field(default_factory=FallbackPolicy)
    warmup_budget_seconds: float = Field(default=900.0, gt=0)
    alarm_steps: tuple[AlarmStep, ...] = ()
    schedules: tuple[ScheduledCapacity, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        for field, names in (
            ("signals", [s.name for s in self.signals]),
            ("alarm_steps", [a.alarm_name for a in self.alarm_steps]),
            ("schedules", [s.name for s in self.schedules]),
        ):
            if len(names) != len(set(names)):
                raise ValueError(f"{field}: names must be unique, got {names}")
        return self

    @cached_property
    def signal_rules(self) -> tuple[SignalRule, ...]:
        """Every signal as step 1 reads it (:attr:`SignalPolicy.rule`), in policy order."""
        return tuple(signal.rule for signal in self.signals)

    @cached_property
    def longest_window_seconds(self) -> float:
        """How far back any rule looks: the bound on the history ``decide()`` keeps."""
        up, down = self.behavior.scale_up, self.behavior.scale_down
        return float(
            max(
                up.stabilization_window_seconds,
                down.stabilization_window_seconds,
                up.rules.longest_period,
                down.rules.longest_period,
            )
        )

    @cached_property
    def event_periods_seconds(self) -> tuple[float, float]:
        """How far back the scale-up and the scale-down rate policies look (their longest periods)."""
        up, down = self.behavior.scale_up.rules, self.behavior.scale_down.rules
        return float(up.longest_period), float(down.longest_period)

    def schedule_bounds(self, active: tuple[str, ...]) -> tuple[int | None, int | None]:
        """The floor (highest) and ceiling (lowest) of the named schedule windows now active."""
        floors = [s.floor for s in self.schedules if s.name in active and s.floor is not None]
        ceilings = [s.ceiling for s in self.schedules if s.name in active and s.ceiling is not None]
        return (max(floors) if floors else None, min(ceilings) if ceilings else None)
