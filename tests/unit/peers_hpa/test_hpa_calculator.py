"""The HPA replica calculator beyond the vectors: grouping, errors, overflow, Go arithmetic."""

from __future__ import annotations

import pytest
from warmfleet.core.peers.hpa import (
    Calculation,
    Pod,
    PodPhase,
    average_value_calculation,
    external_usage,
    go_div,
    group_pods,
    pod_metric_replicas,
    resource_replicas,
    value_replicas,
)
from warmfleet.core.rules.activation import INT64_MAX
from warmfleet.core.rules.tolerance import Tolerance

TOL = Tolerance()
REQ = {"c1": 500, "c2": 500}


def pod(name: str, **kw: object) -> Pod:
    return Pod(name=name, requests=kw.pop("requests", REQ), containers=("c1", "c2"), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pods", "samples", "cpu", "ready", "unready", "missing", "ignored"),
    [
        pytest.param((pod("a"), pod("b")), {"a": 1, "b": 1}, True, 2, set(), set(), set(), id="all-ready"),
        pytest.param(
            (pod("a", phase=PodPhase.PENDING), pod("b", deleting=True)),
            {"a": 1, "b": 1},
            True,
            0,
            {"a"},
            set(),
            {"b"},
            id="pending-unready-deleting-ignored",
        ),
        pytest.param(
            (pod("a", cpu_initializing=True),), {"a": 1}, True, 0, {"a"}, set(), set(), id="hot-cpu-unready"
        ),
        pytest.param(
            (pod("a", cpu_initializing=True),), {"a": 1}, False, 1, set(), set(), set(), id="hot-ok-non-cpu"
        ),
        pytest.param(
            (pod("a", ready=False),), {}, True, 0, set(), {"a"}, set(), id="missing-before-readiness"
        ),
    ],
)
def test_group_pods(
    pods: tuple[Pod, ...],
    samples: dict[str, int],
    cpu: bool,
    ready: int,
    unready: set[str],
    missing: set[str],
    ignored: set[str],
) -> None:
    # GIVEN pods and samples WHEN grouped THEN the HPA's order of checks decides each pod's group
    groups = group_pods(pods, samples, cpu=cpu)
    found = (groups.ready_count, set(groups.unready), set(groups.missing), set(groups.ignored))
    assert found == (ready, unready, missing, ignored)


@pytest.mark.parametrize(
    ("result", "error"),
    [
        pytest.param(
            resource_replicas(1, 50, (pod("a"),), {}, TOL),
            "unable to get metrics for resource cpu: no metrics returned from resource metrics API",
            id="no-samples",
        ),
        pytest.param(
            resource_replicas(1, 50, (), {"a": 1}, TOL), "no pods returned by selector", id="no-pods"
        ),
        pytest.param(
            resource_replicas(1, 50, (pod("a", ready=False),), {"a": 100}, TOL),
            "did not receive metrics for targeted pods",
            id="only-unready-samples",
        ),
        pytest.param(
            resource_replicas(1, 50, (pod("a"),), {"a": 100}, TOL, container="c9"),
            "container c9 not found in Pod a",
            id="container-not-found",
        ),
        pytest.param(
            resource_replicas(1, 50, (pod("a", requests={"c1": 500}),), {"a": 100}, TOL),
            "missing request for cpu in container c2 of Pod a",
            id="missing-request",
        ),
        pytest.param(
            value_replicas(3, 9000, 3000, (), TOL),
            "unable to calculate ready pods: no pods returned by selector",
            id="value-outside-tolerance-without-pods",
        ),
    ],
)
def test_calculator_errors(result: Calculation, error: str) -> None:
    # GIVEN an impossible calculation THEN the HPA's message comes back and no numbers
    assert result.error is not None and error in result.error
    assert (result.replicas, result.usage) == (0, 0)


def test_pod_metric_scale_up_counts_unready_as_idle() -> None:
    # GIVEN 2 ready pods at twice the target and 2 pending pods
    pods = (pod("a"), pod("b"), pod("c", phase=PodPhase.PENDING), pod("d", phase=PodPhase.PENDING))
    result = pod_metric_replicas(4, 10, pods, {"a": 20, "b": 20}, TOL)
    # THEN the pending pods count as 0: ratio 40/40 = 1.0 is within tolerance, no change
    assert result == Calculation(replicas=4, usage=20)


def test_value_target_scales_from_zero_without_tolerance() -> None:
    # GIVEN no replicas and an object value just above the target THEN ceil(ratio), tolerance ignored
    assert value_replicas(0, 1050, 1000, (), TOL).replicas == 2


def test_average_value_reports_per_pod_usage_and_saturates() -> None:
    # GIVEN 3 replicas and a huge external total
    assert average_value_calculation(3, 8600, 2900, TOL) == Calculation(replicas=3, usage=2867)
    assert average_value_calculation(1, INT64_MAX, 1, TOL).usage == INT64_MAX
    assert average_value_calculation(0, 0, 5000, TOL) == Calculation(replicas=0, usage=0)


def test_external_samples_sum_saturating() -> None:
    assert external_usage([INT64_MAX, 5]) == INT64_MAX
    assert isinstance(external_usage([]), Calculation)


@pytest.mark.parametrize(
    ("a", "b", "q"),
    [pytest.param(7, 2, 3, id="positive"), pytest.param(-7, 2, -3, id="negative-truncates-toward-zero")],
)
def test_go_division(a: int, b: int, q: int) -> None:
    assert go_div(a, b) == q
