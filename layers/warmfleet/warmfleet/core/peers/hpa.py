"""The Kubernetes HPA replica calculator, reproduced (``replica_calculator.go``).

One function per calculator of ``pkg/controller/podautoscaler/replica_calculator.go``
(https://github.com/kubernetes/kubernetes/blob/master/pkg/controller/podautoscaler/replica_calculator.go):
resource utilization (optionally one container), per-pod custom metrics,
object and external metrics with value and average-value targets. Pods are
grouped as the HPA does (ignored: deleting, Failed, Succeeded; unready: Pending,
or CPU not yet initialized; missing: no sample), and the decision itself is the
shared rule of :mod:`warmfleet.core.rules.replica_ratio` that ``decide()`` uses.
Like Go, a calculator returns its error instead of raising: ``error`` is the
HPA's message, and the numbers are 0.

For an Auto Scaling group read instance for pod: "ready" is InService and
healthy, "CPU initializing" is still warming up, "Pending" is launching.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from warmfleet.core.rules.activation import INT64_MAX, average_value_replicas, clamp_int32, ieee_divide
from warmfleet.core.rules.replica_ratio import (
    Fill,
    fill_direction,
    gap_filled_replicas,
    needs_gap_filling,
    plain_ratio_replicas,
    scale_up_with_unready,
)
from warmfleet.core.rules.tolerance import Tolerance

NO_PODS = "no pods returned by selector while calculating replica count"
NO_RESOURCE_SAMPLES = "unable to get metrics for resource cpu: no metrics returned from resource metrics API"
ALL_UNREADY = "did not receive metrics for targeted pods (pods might be unready)"
NO_MATCH = "no metrics returned matched known pods"


class PodPhase(StrEnum):
    """Pod phases the calculator distinguishes."""

    RUNNING = "Running"
    PENDING = "Pending"
    FAILED = "Failed"
    SUCCEEDED = "Succeeded"


@dataclass(frozen=True, slots=True)
class Pod:
    """A pod matched by the HPA's selector (an instance of the group).

    ``cpu_initializing`` is True when the pod started inside the CPU
    initialization period and its sample predates a settled readiness (the HPA
    then treats it as unready for CPU); ``requests`` maps container names to CPU
    requests in milli-units (a container without a request is absent from it and
    listed in ``containers``).
    """

    name: str
    phase: PodPhase = PodPhase.RUNNING
    ready: bool = True
    deleting: bool = False
    cpu_initializing: bool = False
    requests: Mapping[str, int] = field(default_factory=dict)
    containers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PodGroups:
    """``groupPods``: how many pods are ready, and which are unready, missing or ignored."""

    ready_count: int
    unready: frozenset[str]
    missing: frozenset[str]
    ignored: frozenset[str]


@dataclass(frozen=True, slots=True)
class Calculation:
    """A calculator's result: replicas and the usage it reports, or the HPA's error message."""

    replicas: int = 0
    usage: int = 0
    utilization: int = 0
    error: str | None = None


def go_div(numerator: int, denominator: int) -> int:
    """Integer division truncating toward zero, as Go's ``/`` on integers."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


def saturating_sum(values: Iterable[int]) -> int:
    """Sum that stops at int64 max, as the HPA sums external samples."""
    total = 0
    for value in values:
        total = min(total + value, INT64_MAX)
    return total


def group_pods(pods: Iterable[Pod], samples: Mapping[str, int], cpu: bool) -> PodGroups:
    """``groupPods``: ignored, then unready (Pending), then missing, then (CPU only) not initialized."""
    ready = 0
    unready: set[str] = set()
    missing: set[str] = set()
    ignored: set[str] = set()
    for pod in pods:
        if pod.deleting or pod.phase in (PodPhase.FAILED, PodPhase.SUCCEEDED):
            ignored.add(pod.name)
        elif pod.phase is PodPhase.PENDING:
            unready.add(pod.name)
        elif pod.name not in samples:
            missing.add(pod.name)
        elif cpu and (pod.cpu_initializing or not pod.ready):
            unready.add(pod.name)
        else:
            ready += 1
    return PodGroups(ready, frozenset(unready), frozenset(missing), frozenset(ignored))


def pod_requests(pods: Iterable[Pod], container: str | None) -> tuple[dict[str, int], str | None]:
    """``calculatePodRequests``: each pod's request (one container's, or the sum), or the error."""
    requests: dict[str, int] = {}
    for pod in pods:
        names = pod.containers or tuple(pod.requests)
        if container is not None and container not in names:
            return {}, f"container {container} not found in Pod {pod.name}"
        total = 0
        for name in names:
            if container is None or name == container:
                if name not in pod.requests:
                    return {}, f"missing request for cpu in container {name} of Pod {pod.name}"
                total += pod.requests[name]
        requests[pod.name] = total
    return requests, None


def _utilization(
    samples: Mapping[str, int], requests: Mapping[str, int], target: int
) -> tuple[float, int, int]:
    """``GetResourceUtilizationRatio``: (ratio, integer utilization %, raw average), or (-1, -1, -1)."""
    used = requested = entries = 0
    for name, value in samples.items():
        if name in requests:
            used += value
            requested += requests[name]
            entries += 1
    if requested == 0:
        return -1.0, -1, -1
    utilization = go_div(used * 100, requested)
    return utilization / target, utilization, go_div(used, entries)


def resource_replicas(
    current: int,
    target_utilization: int,
    pods: tuple[Pod, ...],
    samples: Mapping[str, int],
    tolerance: Tolerance,
    *,
    container: str | None = None,
) -> Calculation:
    """``GetResourceReplicas``: replicas for a CPU utilization target (``usage`` is the raw average)."""
    if not samples:
        return Calculation(
            error="unable to get metrics for resource cpu: no metrics returned from resource metrics API"
        )
    if not pods:
        return Calculation(error=NO_PODS)
    groups = group_pods(pods, samples, cpu=True)
    kept = {n: v for n, v in samples.items() if n not in groups.ignored and n not in groups.unready}
    if not kept:
        return Calculation(error=ALL_UNREADY)
    requests, error = pod_requests(pods, container)
    if error is not None:
        return Calculation(error=error)
    ratio, utilization, raw_average = _utilization(kept, requests, target_utilization)
    if utilization < 0:
        return Calculation(error=NO_MATCH)
    if not needs_gap_filling(ratio, len(groups.unready), len(groups.missing)):
        replicas = plain_ratio_replicas(current, ratio, groups.ready_count, tolerance)
        return Calculation(replicas, raw_average, utilization)
    filled = dict(kept)
    fill = fill_direction(ratio)
    for name in groups.missing:
        if fill is Fill.HIGH:
            filled[name] = go_div(requests[name] * max(100, target_utilization), 100)
        elif fill is Fill.ZERO:
            filled[name] = 0
    if scale_up_with_unready(ratio, len(groups.unready)):
        filled.update(dict.fromkeys(groups.unready, 0))
    new_ratio = _utilization(filled, requests, target_utilization)[0]
    replicas = gap_filled_replicas(current, ratio, new_ratio, len(filled), tolerance)
    return Calculation(replicas, raw_average, utilization)


def pod_metric_replicas(
    current: int,
    target_average: int,
    pods: tuple[Pod, ...],
    samples: Mapping[str, int],
    tolerance: Tolerance,
    *,
    cpu: bool = False,
) -> Calculation:
    """``GetMetricReplicas`` (``calcPlainMetricReplicas``): replicas for a per-pod average-value target.

    Readiness is consulted only for CPU (``cpu=True``: ``GetRawResourceReplicas``,
    an AverageValue target on a CPU resource metric).
    """
    if not samples:
        if cpu:
            return Calculation(error=NO_RESOURCE_SAMPLES)
        return Calculation(error="unable to get metric: no metrics returned from custom metrics API")
    if not pods:
        return Calculation(error=NO_PODS)
    groups = group_pods(pods, samples, cpu=cpu)
    kept = {n: v for n, v in samples.items() if n not in groups.ignored and n not in groups.unready}
    if not kept:
        return Calculation(error=ALL_UNREADY)
    usage = go_div(sum(kept.values()), len(kept))
    ratio = usage / target_average
    if not needs_gap_filling(ratio, len(groups.unready), len(groups.missing)):
        return Calculation(plain_ratio_replicas(current, ratio, groups.ready_count, tolerance), usage)
    filled = dict(kept)
    fill = fill_direction(ratio)
    if fill is not Fill.NONE:
        filled.update(dict.fromkeys(groups.missing, target_average if fill is Fill.HIGH else 0))
    if scale_up_with_unready(ratio, len(groups.unready)):
        filled.update(dict.fromkeys(groups.unready, 0))
    new_ratio = go_div(sum(filled.values()), len(filled)) / target_average
    return Calculation(gap_filled_replicas(current, ratio, new_ratio, len(filled), tolerance), usage)


def ready_pod_count(pods: tuple[Pod, ...]) -> int:
    """``getReadyPodsCount``: Running and Ready pods (no CPU initialization logic)."""
    return sum(1 for pod in pods if pod.phase is PodPhase.RUNNING and pod.ready)


def value_replicas(
    current: int, usage: int, target_value: int, pods: tuple[Pod, ...], tolerance: Tolerance
) -> Calculation:
    """``GetObjectMetricReplicas`` / ``GetExternalMetricReplicas`` for a ``Value`` target.

    From zero the result is ``ceil(ratio)`` with no tolerance (scale from zero).
    """
    ratio = ieee_divide(float(usage), float(target_value))
    if current == 0:
        return Calculation(clamp_int32(math.ceil(ratio)), usage)
    if tolerance.within(ratio):
        return Calculation(current, usage)
    if not pods:
        return Calculation(error=f"unable to calculate ready pods: {NO_PODS}")
    return Calculation(clamp_int32(math.ceil(ratio * ready_pod_count(pods))), usage)


def average_value_calculation(
    status_replicas: int, usage: int, target_average: int, tolerance: Tolerance
) -> Calculation:
    """``GetObjectPerPodMetricReplicas`` / ``GetExternalPerPodMetricReplicas``: the KEDA-style total rule.

    The reported usage is the per-pod ``ceil(usage / status_replicas)``: 0 with no
    replicas, int64 max on overflow.
    """
    replicas = average_value_replicas(usage, target_average, status_replicas, tolerance)
    if status_replicas == 0:
        per_pod = 0
    else:
        per_pod_float = math.ceil(float(usage) / float(status_replicas))
        per_pod = min(int(per_pod_float), INT64_MAX)
    return Calculation(replicas, per_pod)


def external_usage(samples: Iterable[int]) -> Calculation | int:
    """The external metric's usage (saturating sum), or the error when the API returned nothing."""
    values = list(samples)
    if not values:
        return Calculation(
            error="unable to get external metric: no metrics returned from external metrics API"
        )
    return saturating_sum(values)
