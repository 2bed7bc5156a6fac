"""Auto Scaling group collector: bounds, desired capacity, instances (lifecycle state, health, protection),
the pause tag, and each instance's launch time.

DescribeAutoScalingGroups lists instances without their launch time, which the warm-up budget needs; the
collector asks EC2 (DescribeInstances) only for instance ids it has not seen before and the caller keeps
the answers (the scaler stores them with its state), so a steady tick makes one call here whatever the
fleet size. `parse_group` is pure.
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warmfleet.core.inputs import GroupCapacity, Instance, LifecycleState

if TYPE_CHECKING:
    from mypy_boto3_autoscaling import AutoScalingClient
    from mypy_boto3_ec2 import EC2Client

#: A tag on the group that pauses the scaler while its value is `true` (the SSM parameter is the other way).
PAUSE_TAG = "warmfleet:paused"
#: DescribeInstances accepts up to 1000 instance ids per call.
MAX_IDS_PER_CALL = 1000


@dataclass(frozen=True)
class PendingLaunches:
    """`count` launches the group was asked for at `since` (epoch seconds) and has not listed yet."""

    count: int
    since: float


def track_unlisted_launches(
    previous: tuple[PendingLaunches, ...], unlisted: int, now: float
) -> tuple[PendingLaunches, ...]:
    """Age the launches the group owes (`DesiredCapacity` above the instances it lists).

    A growing shortfall is a new batch asked for `now`; a shrinking one was paid oldest first, the order
    the group launches in. The total of the result is always `unlisted`.
    """
    batches = list(previous)
    owed = sum(batch.count for batch in batches)
    if unlisted > owed:
        batches.append(PendingLaunches(unlisted - owed, now))
    surplus = max(0, owed - unlisted)
    while surplus and batches:
        paid = min(surplus, batches[0].count)
        surplus -= paid
        batches[0] = PendingLaunches(batches[0].count - paid, batches[0].since)
        if batches[0].count == 0:
            batches.pop(0)
    return tuple(batches)


def unlisted_launch_instances(pending: tuple[PendingLaunches, ...]) -> tuple[Instance, ...]:
    """The owed launches as `Pending` instances launched when they were asked for.

    The core counts a listed launch as warming within the warm-up budget and as stuck past it (it then
    stops counting and scale-out is retried); a launch the group never lists (no capacity) deserves the
    same, so it is shown to the core with the time it was asked for. Ids start with `unlisted-`.
    """
    return tuple(
        Instance(
            instance_id=f"unlisted-{index}-{number}",
            lifecycle_state=LifecycleState.PENDING,
            launch_time=datetime.fromtimestamp(batch.since, UTC),
        )
        for index, batch in enumerate(pending)
        for number in range(batch.count)
    )


class GroupNotFoundError(LookupError):
    """DescribeAutoScalingGroups did not return the configured group."""


@dataclass(frozen=True)
class GroupSnapshot:
    """What the group looks like now, as the core's input types."""

    name: str
    capacity: GroupCapacity
    instances: tuple[Instance, ...]
    paused_by_tag: bool
    launch_times: Mapping[str, datetime] = field(default_factory=dict)

    @property
    def listed_toward_desired(self) -> int:
        """Instances that fill the desired capacity (launching or in service), as the group counts them."""
        counted = {
            LifecycleState.IN_SERVICE,
            LifecycleState.PENDING,
            LifecycleState.PENDING_WAIT,
            LifecycleState.PENDING_PROCEED,
        }
        return sum(1 for instance in self.instances if instance.lifecycle_state in counted)


def instance_ids(raw_group: Mapping[str, Any]) -> list[str]:
    return [str(raw["InstanceId"]) for raw in raw_group.get("Instances", [])]


def parse_group(
    raw_group: Mapping[str, Any], launch_times: Mapping[str, datetime], *, now: datetime
) -> GroupSnapshot:
    """The snapshot of one `AutoScalingGroups` entry.

    An instance whose launch time is unknown (EC2 no longer lists it) is taken as launched `now`: the
    newest it can be, so it never counts as stuck before its budget.
    """
    instances = tuple(
        Instance(
            instance_id=raw["InstanceId"],
            lifecycle_state=LifecycleState(raw["LifecycleState"]),
            launch_time=launch_times.get(raw["InstanceId"], now),
            healthy=str(raw.get("HealthStatus", "Healthy")).lower() == "healthy",
            protected_from_scale_in=bool(raw.get("ProtectedFromScaleIn", False)),
        )
        for raw in raw_group.get("Instances", [])
    )
    paused = any(
        tag.get("Key") == PAUSE_TAG and str(tag.get("Value", "")).strip().lower() == "true"
        for tag in raw_group.get("Tags", [])
    )
    return GroupSnapshot(
        name=str(raw_group["AutoScalingGroupName"]),
        capacity=GroupCapacity(
            min_size=int(raw_group["MinSize"]),
            max_size=int(raw_group["MaxSize"]),
            desired_capacity=int(raw_group["DesiredCapacity"]),
        ),
        instances=instances,
        paused_by_tag=paused,
        launch_times={
            i.instance_id: launch_times[i.instance_id] for i in instances if i.instance_id in launch_times
        },
    )


def parse_launch_times(reservations: Iterable[Mapping[str, Any]]) -> dict[str, datetime]:
    return {
        str(instance["InstanceId"]): instance["LaunchTime"]
        for reservation in reservations
        for instance in reservation.get("Instances", [])
        if isinstance(instance.get("LaunchTime"), datetime)
    }


def describe_group(client: AutoScalingClient, group: str) -> Mapping[str, Any]:
    response = client.describe_auto_scaling_groups(AutoScalingGroupNames=[group])
    groups = response.get("AutoScalingGroups", [])
    if not groups:
        raise GroupNotFoundError(f"Auto Scaling group {group!r} was not found")
    return groups[0]


def fetch_launch_times(client: EC2Client, ids: list[str]) -> dict[str, datetime]:
    found: dict[str, datetime] = {}
    for start in range(0, len(ids), MAX_IDS_PER_CALL):
        chunk = ids[start : start + MAX_IDS_PER_CALL]
        try:
            response = client.describe_instances(InstanceIds=chunk)
        except Exception as error:
            # One id EC2 no longer knows fails the whole call; those instances are leaving anyway, so the
            # chunk goes without launch times this tick (taken as `now`) and is asked again next tick.
            if _error_code(error) != "InvalidInstanceID.NotFound":
                raise
            continue
        found.update(parse_launch_times(response.get("Reservations", [])))
    return found


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def collect_group(
    autoscaling: AutoScalingClient,
    ec2: EC2Client,
    group: str,
    *,
    known_launch_times: Mapping[str, datetime],
    now: datetime,
) -> GroupSnapshot:
    """Describe the group; ask EC2 only for the launch times of instances not in `known_launch_times`."""
    raw = describe_group(autoscaling, group)
    ids = instance_ids(raw)
    unknown = [instance_id for instance_id in ids if instance_id not in known_launch_times]
    launch_times = {i: known_launch_times[i] for i in ids if i in known_launch_times}
    if unknown:
        launch_times.update(fetch_launch_times(ec2, unknown))
    return parse_group(raw, launch_times, now=now)
