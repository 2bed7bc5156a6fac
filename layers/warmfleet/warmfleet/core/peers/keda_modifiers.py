"""KEDA's scaling modifiers: one composite metric computed by a formula over the triggers' values.

Mirrors ``pkg/scaling/modifiers/formula.go`` of kedacore/keda
(https://keda.sh/docs/latest/reference/scaledobject-spec/#scalingmodifiers). Each trigger's metric is
mapped to its trigger name (``GetPairTriggerAndMetric``), its value is what the formula sees for that name
(``scalingModifierTriggerValue``: nil once its fallback health is over the threshold with
``fallback.behavior: scalingModifiers``), and the formula's value becomes the single ``composite-metric``,
stored as ``int64(value * 1000)`` milli units and targeted with ``scalingModifiers.target``. When the whole
formula is nil the value is ``fallback.replicas x target``. While a (non-modifiers) fallback is active the
first fallback metric is reported as the composite instead (``HandleScalingModifiers``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from warmfleet.core.peers.keda_fallback import (
    COMPOSITE_METRIC_NAME,
    PLACEHOLDER_VALUE,
    FallbackSpec,
    HealthStatus,
    ScalingModifiersSpec,
)
from warmfleet.core.peers.keda_formula import compile_formula
from warmfleet.core.peers.keda_formula_syntax import Value
from warmfleet.core.rules.fallback import FallbackBehavior, fallback_active, fallback_replicas


@dataclass(frozen=True, slots=True)
class TriggerMetric:
    """One trigger's metric as the scale handler holds it: metric name, trigger name, milli value."""

    metric_name: str
    trigger_name: str
    value_milli: int


@dataclass(frozen=True, slots=True)
class CompositeMetric:
    """The composite metric (``value_milli``) or the error that prevented it."""

    name: str
    value_milli: int | None
    error: str | None = None

    @property
    def value(self) -> float | None:
        """The composite read back in plain units."""
        return None if self.value_milli is None else self.value_milli / 1000


def metric_name_for_trigger(index: int, trigger_name: str) -> str:
    """The HPA metric name KEDA generates for the trigger at ``index``: ``s<index>-<name>``."""
    return f"s{index}-{trigger_name}"


def pair_trigger_and_metric(formula: str | None, metric_name: str, trigger_name: str) -> dict[str, str]:
    """``GetPairTriggerAndMetric``: ``{metric: trigger}`` when a formula is set, else ``{}``.

    Raises ValueError when a formula is set and the trigger has no name (the formula could not refer
    to it).
    """
    if not formula:
        return {}
    if trigger_name == "":
        raise ValueError(f"trigger name not given with compositeScaler for metric {metric_name}")
    return {metric_name: trigger_name}


def trigger_value(
    value_milli: int, fallback: FallbackSpec | None, health: HealthStatus | None
) -> float | None:
    """What the formula sees for one trigger: its value in plain units, or nil.

    Nil only with ``behavior: scalingModifiers`` and a health entry whose failures are strictly above the
    threshold (the entry's Happy/Failing status is not consulted).
    """
    if (
        fallback is not None
        and fallback.uses_scaling_modifiers
        and health is not None
        and fallback_active(health.failures, fallback.failure_threshold)
    ):
        return None
    return value_milli / 1000


def composite_metric(
    modifiers: ScalingModifiersSpec,
    metrics: Sequence[TriggerMetric],
    *,
    fallback: FallbackSpec | None = None,
    health: Mapping[str, HealthStatus] | None = None,
) -> CompositeMetric:
    """``calculateScalingModifiersFormula``: evaluate the formula into the composite metric."""
    entries = health or {}
    data: dict[str, Value] = {
        metric.trigger_name: trigger_value(metric.value_milli, fallback, entries.get(metric.metric_name))
        for metric in metrics
    }
    try:
        result = compile_formula(modifiers.formula).evaluate(data)
    except ValueError as error:
        return CompositeMetric(COMPOSITE_METRIC_NAME, None, f"error trying to run custom formula: {error}")
    if result is None:
        if fallback is None:
            return CompositeMetric(COMPOSITE_METRIC_NAME, None, "the formula evaluated to nil")
        try:
            result = fallback.replicas * float(modifiers.target)
        except ValueError:
            return CompositeMetric(COMPOSITE_METRIC_NAME, None, f"invalid target {modifiers.target!r}")
    if isinstance(result, bool) or not math.isfinite(result):
        return CompositeMetric(COMPOSITE_METRIC_NAME, None, f"the formula evaluated to {result!r}")
    return CompositeMetric(COMPOSITE_METRIC_NAME, int(float(result) * 1000))


def handle_scaling_modifiers(
    modifiers: ScalingModifiersSpec | None,
    metrics: Sequence[TriggerMetric],
    *,
    fallback_active_metrics: Sequence[TriggerMetric] = (),
    fallback: FallbackSpec | None = None,
    health: Mapping[str, HealthStatus] | None = None,
) -> CompositeMetric | None:
    """``HandleScalingModifiers``: None without modifiers (the metrics pass unchanged).

    While a fallback is active, the first fallback metric becomes the composite as it is (so several
    triggers falling back never multiply the fallback replicas); otherwise the formula applies.
    """
    if modifiers is None or not modifiers.formula:
        return None
    if fallback_active_metrics:
        return CompositeMetric(COMPOSITE_METRIC_NAME, fallback_active_metrics[0].value_milli)
    return composite_metric(modifiers, metrics, fallback=fallback, health=health)


def milli_from_value(value: float) -> int:
    """A scaler's plain value as a milli quantity, like KEDA's ``GenerateMetricInMili`` (truncating)."""
    return int(value * 1000)


def composite_for_triggers(
    modifiers: ScalingModifiersSpec,
    trigger_values: Sequence[tuple[str, float | None]],
    *,
    fallback: FallbackSpec | None = None,
    health: Mapping[str, HealthStatus] | None = None,
    current_replicas: int | None = None,
) -> CompositeMetric:
    """The scale handler's composite metric for triggers in ScaledObject order (``GetScaledObjectMetrics``).

    A trigger value of None is a trigger whose scaler failed past its fallback threshold: with
    ``behavior: scalingModifiers`` it holds the -1 placeholder (nil for ``??``); with another behaviour
    the fallback's own metric (``target x R``) is active and becomes the composite.
    """
    metrics: list[TriggerMetric] = []
    fallback_metrics: list[TriggerMetric] = []
    for index, (trigger, value) in enumerate(trigger_values):
        metric_name = metric_name_for_trigger(index, trigger)
        paired = pair_trigger_and_metric(modifiers.formula, metric_name, trigger)[metric_name]
        if value is not None:
            metrics.append(TriggerMetric(metric_name, paired, milli_from_value(value)))
        elif fallback is None:
            return CompositeMetric(COMPOSITE_METRIC_NAME, None, f"trigger {trigger} failed, no fallback")
        elif fallback.uses_scaling_modifiers:
            metrics.append(TriggerMetric(metric_name, paired, milli_from_value(PLACEHOLDER_VALUE)))
        else:
            behavior = FallbackBehavior(fallback.behavior or FallbackBehavior.STATIC.value)
            replicas = fallback_replicas(behavior, fallback.replicas, current_replicas or 0)
            milli = int(float(modifiers.target) * 1000 * replicas)
            fallback_metrics.append(TriggerMetric(COMPOSITE_METRIC_NAME, trigger, milli))
    composite = handle_scaling_modifiers(
        modifiers, metrics, fallback_active_metrics=fallback_metrics, fallback=fallback, health=health
    )
    return composite or CompositeMetric(COMPOSITE_METRIC_NAME, None, "no scaling-modifiers formula")
