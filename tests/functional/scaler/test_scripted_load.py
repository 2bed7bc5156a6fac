"""The scaler end to end on the moto server with a fake clock over a scripted load: scale out at once,
hold while the load holds, scale in only after the stabilization window, removing the least busy first."""

from __future__ import annotations

from collections.abc import Callable

from tests.functional.scaler.conftest import TICK_SECONDS, Fleet

SCALE_DOWN_WINDOW_SECONDS = 300  # the HPA default the policy keeps


def test_scale_out_hold_then_scale_in_after_stabilization(
    make_fleet: Callable[..., Fleet], aws_calls: list[str]
) -> None:
    # GIVEN two instances serving 8 requests each against a target of 4
    fleet = make_fleet(desired=2)
    fleet.put_in_flight(8)
    # WHEN the scaler ticks
    outcome = fleet.tick()
    # THEN it scales out at once to ceil(2 * 8 / 4) = 4
    assert (outcome["reason"], outcome["desired"], fleet.desired()) == ("ScaleUp", 4, 4)
    assert aws_calls.count("autoscaling.SetDesiredCapacity") == 1

    # GIVEN the load spreads over the four instances (4 each: on target)
    for _ in range(4):
        fleet.put_in_flight(4)
        # WHEN it ticks while the load holds
        outcome = fleet.tick()
        # THEN it holds, without calling SetDesiredCapacity
        assert (outcome["desired"], outcome["acted"]) == (4, False)
    assert aws_calls.count("autoscaling.SetDesiredCapacity") == 1

    # GIVEN the load drops to 1 per instance; one instance still holds 3 requests
    busy, *idle = fleet.instance_ids()
    per_instance = {busy: 3.0, **dict.fromkeys(idle, 0.0)}
    held = []
    elapsed = 0
    while fleet.desired() == 4 and elapsed <= SCALE_DOWN_WINDOW_SECONDS + 2 * TICK_SECONDS:
        fleet.put_in_flight(1, per_instance=per_instance)
        held.append(fleet.tick()["reason"])
        elapsed += TICK_SECONDS
    # THEN the scale-in waits for the stabilization window, then removes the idle instances
    assert elapsed >= SCALE_DOWN_WINDOW_SECONDS
    assert set(held[:-1]) == {"ScaleDownStabilized"}
    assert fleet.desired() == 1
    assert fleet.instance_ids() == [busy]
    assert aws_calls.count("autoscaling.TerminateInstanceInAutoScalingGroup") == 3


def test_steady_tick_makes_at_most_five_calls(make_fleet: Callable[..., Fleet], aws_calls: list[str]) -> None:
    # GIVEN a group on target, after one tick warmed the container (clients, launch times, state cache)
    fleet = make_fleet(desired=3)
    fleet.put_in_flight(4)
    fleet.tick()
    fleet.put_in_flight(4)
    aws_calls.clear()
    # WHEN a steady tick runs
    outcome = fleet.tick()
    # THEN it reads the group, the metrics (one call) and the queue, and stores the state: nothing else
    assert outcome["desired"] == 3
    assert sorted(aws_calls) == sorted(
        [
            "autoscaling.DescribeAutoScalingGroups",
            "cloudwatch.GetMetricData",
            "sqs.GetQueueAttributes",
            "dynamodb.PutItem",
        ]
    )
