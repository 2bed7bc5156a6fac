"""Capacity failures on the moto server: a group that cannot launch (InsufficientInstanceCapacity) has its
failed activities read and logged once, and the launches that never arrive stop counting after the warm-up
budget, so the scale-out is retried instead of waiting forever.

moto launches every instance at once, so a stand-in in front of its Auto Scaling API lists only the
instances that existed before the scale-out and reports the failed activity, as AWS does when no capacity
is left (https://docs.aws.amazon.com/autoscaling/ec2/userguide/CHAP_Troubleshooting.html).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from warmfleet.aws.autoscaling import GroupActuator

from tests.functional.scaler.conftest import TICK_SECONDS, Fleet

WARMUP_BUDGET_SECONDS = 120  # the test policy's


class NoCapacityAutoScaling:
    """The real (moto) Auto Scaling client, except that launches after `listed` never show up."""

    def __init__(self, real: Any, listed: list[str], failed_at: datetime) -> None:
        self._real = real
        self._listed = set(listed)
        self._failed_at = failed_at
        self.activity_reads = 0

    def describe_auto_scaling_groups(self, **kwargs: Any) -> Any:
        response = self._real.describe_auto_scaling_groups(**kwargs)
        for group in response["AutoScalingGroups"]:
            group["Instances"] = [i for i in group["Instances"] if i["InstanceId"] in self._listed]
        return response

    def describe_scaling_activities(self, **kwargs: Any) -> Any:
        self.activity_reads += 1
        return {
            "Activities": [
                {
                    "ActivityId": "5e3a9c2e-0000-4000-8000-000000000001",
                    "AutoScalingGroupName": kwargs["AutoScalingGroupName"],
                    "Description": "Launching a new EC2 instance.  Status Reason: We currently do not have "
                    "sufficient g5.xlarge capacity in the Availability Zone you requested.",
                    "Cause": "At 2026-11-27T04:00:00Z an instance was started in response to a difference "
                    "between desired and actual capacity, increasing the capacity from 2 to 4.",
                    "StartTime": self._failed_at,
                    "StatusCode": "Failed",
                    "StatusMessage": "InsufficientInstanceCapacity",
                },
                {
                    "ActivityId": "5e3a9c2e-0000-4000-8000-000000000000",
                    "AutoScalingGroupName": kwargs["AutoScalingGroupName"],
                    "Description": "Launching a new EC2 instance: i-0123456789abcdef0",
                    "Cause": "an earlier launch that worked",
                    "StartTime": self._failed_at.replace(year=self._failed_at.year - 1),
                    "StatusCode": "Successful",
                },
            ]
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_launches_that_never_arrive_stop_counting(
    make_fleet: Callable[..., Fleet], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN two instances at twice their target, in a zone that has no capacity left for more
    fleet = make_fleet(desired=2)
    runtime = fleet.runtime()
    starved = NoCapacityAutoScaling(fleet.client("autoscaling"), fleet.instance_ids(), fleet.clock.now)
    runtime.collectors.autoscaling = starved  # type: ignore[assignment]
    runtime.actuator = GroupActuator(starved, fleet.group)  # type: ignore[arg-type]
    # WHEN the scaler asks for 4 and the two launches never arrive
    fleet.put_in_flight(8)
    assert fleet.tick()["desired"] == 4
    waited = 0
    while fleet.desired() == 4 and waited <= WARMUP_BUDGET_SECONDS + 3 * TICK_SECONDS:
        fleet.put_in_flight(8)
        fleet.tick()
        waited += TICK_SECONDS
    # THEN the owed launches count as warming for the budget, then stop counting: the scale-out is retried
    # (4 serving instances are still needed, and the 2 stuck launches hold their places)
    assert WARMUP_BUDGET_SECONDS <= waited <= WARMUP_BUDGET_SECONDS + 2 * TICK_SECONDS
    assert fleet.desired() == 6
    # AND the failed activity was read while launches were owed, and logged once
    assert starved.activity_reads >= 1
    assert [r.getMessage() for r in caplog.records].count("scaling activity failed") == 1
