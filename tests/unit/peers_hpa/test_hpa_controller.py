"""The HPA controller beyond the vectors: events across reconciles, tolerance gate, partial failures."""

from __future__ import annotations

from warmfleet.core.peers.hpa import Pod
from warmfleet.core.peers.hpa_controller import reconcile, store_scale_event
from warmfleet.core.peers.hpa_types import (
    Behavior,
    ControllerSettings,
    Hpa,
    MetricSpec,
    ReconcileInputs,
    TargetType,
    default_scale_down,
    default_scale_up,
)
from warmfleet.core.rules.rate_limit import ScaleEvent

SETTINGS = ControllerSettings()
PODS = tuple(Pod(name=f"p{n}", requests={"c1": 100}, containers=("c1",)) for n in range(4))


def cpu(percent_of_request: int, target: int = 50) -> MetricSpec:
    samples = {p.name: percent_of_request for p in PODS}
    return MetricSpec(type="Resource", target_type=TargetType.UTILIZATION, target=target, samples=samples)


def inputs(
    *metrics: MetricSpec, spec: int = 4, behavior: Behavior | None = None, **kw: object
) -> ReconcileInputs:
    hpa = Hpa(min_replicas=1, max_replicas=100, metrics=metrics, behavior=behavior)
    return ReconcileInputs(hpa=hpa, spec_replicas=spec, status_replicas=spec, pods=PODS, **kw)  # type: ignore[arg-type]


BEHAVIOR = Behavior(scale_up=default_scale_up(), scale_down=default_scale_down(300))


def test_behavior_path_stores_events_and_limits_the_next_reconcile() -> None:
    # GIVEN a behavior HPA at 4 pods under 4x load
    first = reconcile(inputs(cpu(200), behavior=BEHAVIOR), SETTINGS, now=0.0)
    # THEN it doubles (100 % per 15 s) and records the event
    assert (first.desired_replicas, first.scale_up_events) == (8, (ScaleEvent(4, 0.0),))
    # WHEN it reconciles again 5 s later from 8 pods with the event stored
    second = reconcile(
        inputs(cpu(200), spec=8, behavior=BEHAVIOR, scale_up_events=first.scale_up_events), SETTINGS, now=5.0
    )
    # THEN the period still counts the 4 added: the limit is max(4+4, 2*4) = 8, so no change yet
    assert (second.desired_replicas, second.scale_updated) == (8, False)


def test_configurable_tolerance_applies_only_with_the_gate() -> None:
    # GIVEN load 8 % above target and a behavior tolerance of 5 % up
    behavior = Behavior(scale_up=default_scale_up(), scale_down=default_scale_down(300), tolerance_up=0.05)
    gated = reconcile(inputs(cpu(54), behavior=behavior, configurable_tolerance_gate=True), SETTINGS, now=0.0)
    plain = reconcile(inputs(cpu(54), behavior=behavior), SETTINGS, now=0.0)
    # THEN only the gated controller leaves the 10 % default band and scales up
    assert (gated.desired_replicas, plain.desired_replicas) == (5, 4)


def test_partial_failure_scales_up_but_returns_an_error() -> None:
    # GIVEN one failing metric and one asking for more
    broken = MetricSpec(type="Pods", target_type=TargetType.AVERAGE_VALUE, target=10, fetch_error=True)
    result = reconcile(inputs(cpu(100), broken, recommendations=()), SETTINGS, now=0.0)
    # THEN it scales on what remains, and still reports the error
    assert (result.desired_replicas, result.returned_error) == (8, True)


def test_partial_failure_never_scales_down() -> None:
    broken = MetricSpec(type="External", target_type=TargetType.VALUE, target=10, fetch_error=True)
    result = reconcile(inputs(cpu(10), broken, recommendations=()), SETTINGS, now=0.0)
    assert (result.desired_replicas, result.scale_updated) == (4, False)
    assert result.conditions[-1] == ("ScalingActive", "False", "FailedGetExternalMetric")


def test_store_scale_event_replaces_the_last_outdated() -> None:
    events = [ScaleEvent(1, -100.0), ScaleEvent(2, -90.0), ScaleEvent(3, -5.0)]
    assert store_scale_event(events, 7, 60.0, 0.0) == [
        ScaleEvent(1, -100.0),
        ScaleEvent(7, 0.0),
        ScaleEvent(3, -5.0),
    ]
    assert store_scale_event(events[2:], 7, 60.0, 0.0) == [ScaleEvent(3, -5.0), ScaleEvent(7, 0.0)]
