"""Scaling activities collector: launches the group failed to make (no capacity, Spot interruptions).

An Auto Scaling group that cannot launch (InsufficientInstanceCapacity, a Spot request not fulfilled) says so
only in its scaling activities (https://docs.aws.amazon.com/autoscaling/ec2/userguide/CHAP_Troubleshooting.html).
The scaler reads them when the group holds fewer instances than it desires, never on a steady tick, and
logs each failure once (the newest one seen is remembered in the scaler's state). Parsing is pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_autoscaling import AutoScalingClient

FAILED_STATUSES = frozenset({"Failed", "Cancelled"})
#: The newest activities are enough: older failures were logged by earlier ticks.
MAX_RECORDS = 20


@dataclass(frozen=True)
class ScalingActivity:
    activity_id: str
    status: str
    description: str
    cause: str
    status_message: str
    start_time: datetime

    def as_log(self) -> dict[str, str]:
        return {
            "activityId": self.activity_id,
            "status": self.status,
            "description": self.description,
            "cause": self.cause,
            "statusMessage": self.status_message,
            "startTime": self.start_time.isoformat(),
        }


def parse_failed_activities(
    activities: Sequence[Mapping[str, Any]], *, after: datetime | None
) -> list[ScalingActivity]:
    """The failed or cancelled activities that started after `after` (all of them when None), oldest first."""
    failed = [
        ScalingActivity(
            activity_id=str(raw.get("ActivityId", "")),
            status=str(raw.get("StatusCode", "")),
            description=str(raw.get("Description", "")),
            cause=str(raw.get("Cause", "")),
            status_message=str(raw.get("StatusMessage", "")),
            start_time=raw["StartTime"],
        )
        for raw in activities
        if raw.get("StatusCode") in FAILED_STATUSES and isinstance(raw.get("StartTime"), datetime)
    ]
    return sorted((a for a in failed if after is None or a.start_time > after), key=lambda a: a.start_time)


def collect_failed_activities(
    client: AutoScalingClient, group: str, *, after: datetime | None
) -> list[ScalingActivity]:
    response = client.describe_scaling_activities(AutoScalingGroupName=group, MaxRecords=MAX_RECORDS)
    return parse_failed_activities(response.get("Activities", []), after=after)
