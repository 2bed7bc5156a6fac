"""The Knative KPA peer: its delay window and state rules, and more KPA vectors through the runner."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from warmfleet.conformance.runner import run
from warmfleet.core.peers.knative import (
    GO_ZERO_TIME_UNIX,
    INVALID,
    DeciderSpec,
    MaxTimeWindow,
    Reason,
    new_autoscaler,
    scale,
)

VECTORS = Path(__file__).parent / "vectors"


@pytest.mark.parametrize(
    ("now", "bucket"),
    [
        pytest.param(10.0, 5, id="positive"),
        pytest.param(11.9, 5, id="fraction-floors-the-second"),
        pytest.param(-3.0, -1, id="negative-truncates-toward-zero"),
        pytest.param(GO_ZERO_TIME_UNIX + 11, -31067798394, id="zero-time-odd-offset"),
    ],
)
def test_bucket_is_go_integer_division(now: float, bucket: int) -> None:
    assert MaxTimeWindow.bucket(now) == bucket


def test_window_keeps_the_maximum_of_its_buckets() -> None:
    # GIVEN a 6-second window (3 buckets) WHEN values are recorded over time
    window = MaxTimeWindow.for_duration(6)
    seen = []
    for now, value in [(0, 5), (2, 3), (4, 4), (6, 1), (8, 1)]:
        window = window.record(now, value)
        seen.append(window.current)

    # THEN the current value is the maximum of the last three buckets
    assert window.size == 3
    assert seen == [5, 5, 5, 4, 4]


def test_failed_reading_is_invalid_and_changes_nothing() -> None:
    # GIVEN a panicking autoscaler
    spec = DeciderSpec(target_value=10, total_value=13)
    state = new_autoscaler(spec, ready_count=4, now=0.0)

    # WHEN the metric fails
    after, result = scale(state, spec, now=1.0, ready_pods=4, observed_stable=None, observed_panic=None)

    # THEN the result is invalid and the state is untouched
    assert result == INVALID
    assert after == state
    assert after.panicking


@pytest.mark.parametrize(
    ("target", "down_rate"),
    [pytest.param(0.0, 2.0, id="zero-target"), pytest.param(1.0, 0.0, id="zero-scale-down-rate")],
)
def test_spec_rejects_values_that_divide_by_zero(target: float, down_rate: float) -> None:
    # GIVEN a spec that Scale would divide by zero with THEN it is refused at construction
    with pytest.raises(ValueError, match="must be > 0"):
        DeciderSpec(target_value=target, total_value=1.0, max_scale_down_rate=down_rate)


def test_more_knative_vectors_pass() -> None:
    # GIVEN further cases transcribed from Knative's autoscaler tests WHEN the runner evaluates them
    out = io.StringIO()
    code = run([VECTORS / "knative_more.jsonl"], out)

    # THEN every one passes and none is skipped
    assert code == 0, out.getvalue()
    assert out.getvalue().splitlines()[-1].endswith(" passed, 0 failed, 0 skipped")


def test_result_says_which_rule_decided() -> None:
    # GIVEN a revision with a 10 s scale-down delay and a target of 10 per pod
    spec = DeciderSpec(target_value=10, total_value=13, scale_down_delay_seconds=10, max_scale_down_rate=10)
    state = new_autoscaler(spec, ready_count=1, now=0.0)

    # WHEN load arrives (stable), then a spike (panic), then load drops within the delay
    state, stable = scale(state, spec, now=0.0, ready_pods=2, observed_stable=20, observed_panic=20)
    state, panic = scale(state, spec, now=2.0, ready_pods=2, observed_stable=20, observed_panic=80)
    spec_calm = DeciderSpec(target_value=10, total_value=13, stable_window_seconds=1)
    state, held = scale(state, spec_calm, now=6.0, ready_pods=8, observed_stable=10, observed_panic=10)

    # THEN each result names its rule
    reasons = [stable.reason, panic.reason, held.reason]
    assert reasons == [Reason.STABLE, Reason.PANIC, Reason.SCALE_DOWN_DELAYED]
    assert held.desired_pod_count == panic.desired_pod_count == 8
