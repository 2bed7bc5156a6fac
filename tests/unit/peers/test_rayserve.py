"""The Ray Serve peer: legacy delays, gang rounding and more Ray vectors through the runner."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from warmfleet.conformance.runner import run
from warmfleet.core.peers.rayserve import (
    AutoscalingConfig,
    AutoscalingContext,
    DelayState,
    Reason,
    autoscale,
    gang_round_up,
    legacy_apply_delay_logic,
    legacy_calculate_desired_num_replicas,
)

VECTORS = Path(__file__).parent / "vectors"


def test_legacy_delay_counts_control_loop_ticks() -> None:
    # GIVEN a 0.5 s upscale delay: int(0.5 / 0.1) = 5 control-loop ticks
    config = AutoscalingConfig(upscale_delay_s=0.5, downscale_delay_s=0.2)
    counter = 0
    decisions = []

    # WHEN a scale-up to 4 is wanted on consecutive ticks
    for _ in range(6):
        replicas, counter = legacy_apply_delay_logic(4, 1, config, counter)
        decisions.append(replicas)

    # THEN it fires on the tick after int(0.5 / 0.1) = 5 consecutive decisions, and resets
    assert decisions == [1, 1, 1, 1, 1, 4]
    assert counter == 0


def test_legacy_delay_downscale_stops_at_one_and_direction_flip_resets() -> None:
    config = AutoscalingConfig(upscale_delay_s=0.2, downscale_delay_s=0.1)
    # a scale-up streak of one tick, then scale-down wanted: the counter restarts below zero
    _, counter = legacy_apply_delay_logic(5, 3, config, 0)
    assert counter == 1
    replicas, counter = legacy_apply_delay_logic(0, 3, config, counter)
    assert (replicas, counter) == (3, -1)
    replicas, counter = legacy_apply_delay_logic(0, 3, config, counter)
    assert (replicas, counter) == (1, 0)


def test_legacy_needs_running_replicas() -> None:
    with pytest.raises(ValueError, match="cannot be zero"):
        legacy_calculate_desired_num_replicas(AutoscalingConfig(), 10, 0)


@pytest.mark.parametrize(
    ("replicas", "gang", "rounded"),
    [
        pytest.param(5, 4, 8, id="rounds-up-to-whole-gangs"),
        pytest.param(0, 4, 0, id="zero-stays-zero"),
        pytest.param(7, 1, 7, id="gang-of-one-changes-nothing"),
        pytest.param(8, 4, 8, id="exact"),
    ],
)
def test_gang_round_up(replicas: int, gang: int, rounded: int) -> None:
    assert gang_round_up(replicas, gang) == rounded


def test_decision_says_why() -> None:
    # GIVEN one running replica with twice its target load and a 30 s upscale delay
    ctx = AutoscalingContext(1, 1, 4.0, AutoscalingConfig(max_replicas=10))

    # WHEN the policy runs twice, 10 s apart THEN it holds with the reason, and keeps the streak's start
    first = autoscale(ctx, DelayState(), now=0.0)
    second = autoscale(ctx, first.state, now=10.0)
    assert (first.replicas, first.reason) == (1, Reason.UPSCALE_DELAYED)
    assert second.state.streak_start == 0.0
    assert autoscale(ctx, second.state, now=30.0).reason is Reason.SCALED_UP
    assert (
        autoscale(AutoscalingContext(0, 0, 1.0, ctx.config), DelayState(), now=0.0).reason
        is Reason.COLD_START
    )


def test_config_rejects_a_zero_target() -> None:
    with pytest.raises(ValueError, match="target_ongoing_requests"):
        AutoscalingConfig(target_ongoing_requests=0)


def test_more_rayserve_vectors_pass() -> None:
    # GIVEN further cases transcribed from Ray Serve's policy tests WHEN the runner evaluates them
    out = io.StringIO()
    code = run([VECTORS / "rayserve_more.jsonl"], out)

    # THEN every one passes and none is skipped
    assert code == 0, out.getvalue()
    assert out.getvalue().splitlines()[-1].endswith(" passed, 0 failed, 0 skipped")
