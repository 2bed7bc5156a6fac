"""A real fleet on the moto server for the scaler's tests: an AMI, a launch template, an Auto Scaling group,
the state table, the queue and the pause parameter, with a fake clock that the test moves 15 s per tick.

Each test gets its own group, queue, table item and parameter (unique names), so tests share one server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from warmfleet.config import ScalerConfig
from warmfleet.handlers import scaler

from tests.conftest import load_event

TICK_SECONDS = 15
REGION = "us-east-1"


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Fleet:
    """One group under test, and a way to tick the real scaler against it."""

    endpoint: str
    config: ScalerConfig
    clock: FakeClock
    clients: dict[str, Any] = field(default_factory=dict)
    runtime_overrides: dict[str, Any] = field(default_factory=dict)
    _runtime: scaler.ScalerRuntime | None = None

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(service, endpoint_url=self.endpoint, region_name=REGION)  # type: ignore[call-overload]
        return self.clients[service]

    @property
    def group(self) -> str:
        return self.config.group_name

    def runtime(self, config: ScalerConfig | None = None) -> scaler.ScalerRuntime:
        """This fleet's warm container: one runtime (one store cache) reused tick after tick."""
        if self._runtime is None:
            self._runtime = self.new_runtime(config)
        return self._runtime

    def new_runtime(self, config: ScalerConfig | None = None) -> scaler.ScalerRuntime:
        """Another container (its own clients and store) of the same function."""
        built = scaler.build_runtime(config or self.config, client=self.client, clock=self.clock)
        for name, value in self.runtime_overrides.items():
            setattr(built, name, value)
        return built

    def tick(self, *, advance: bool = True) -> dict[str, Any]:
        """One Step Functions tick: the real handler with the tick fixture, then the clock moves 15 s."""
        outcome = scaler.handle(load_event("scaler/tick.json"), self.config, self.runtime)
        if advance:
            self.clock.advance(TICK_SECONDS)
        return outcome

    def describe(self) -> dict[str, Any]:
        groups = self.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[self.group])
        return groups["AutoScalingGroups"][0]  # type: ignore[no-any-return]

    def desired(self) -> int:
        return int(self.describe()["DesiredCapacity"])

    def instance_ids(self) -> list[str]:
        return sorted(i["InstanceId"] for i in self.describe()["Instances"])

    def put_in_flight(
        self, average: float, *, age_seconds: float = 5, per_instance: dict[str, float] | None = None
    ) -> None:
        """What the agents would publish: the group average, and each instance's own value when given."""
        at = self.clock.now - timedelta(seconds=age_seconds)
        data: list[dict[str, Any]] = [self._datum("InFlightRequests", average, at, {})]
        for instance_id, value in (per_instance or {}).items():
            data.append(self._datum("InFlightRequests", value, at, {"InstanceId": instance_id}))
        self.client("cloudwatch").put_metric_data(Namespace="warmfleet", MetricData=data)

    def put_metric(
        self, name: str, value: float, *, age_seconds: float = 5, namespace: str = "warmfleet"
    ) -> None:
        at = self.clock.now - timedelta(seconds=age_seconds)
        self.client("cloudwatch").put_metric_data(
            Namespace=namespace, MetricData=[self._datum(name, value, at, {})]
        )

    def _datum(self, name: str, value: float, at: datetime, extra: dict[str, str]) -> dict[str, Any]:
        dimensions = [{"Name": "AutoScalingGroupName", "Value": self.group}]
        dimensions += [{"Name": key, "Value": val} for key, val in extra.items()]
        return {
            "MetricName": name,
            "Dimensions": dimensions,
            "Timestamp": at,
            "Value": value,
            "StorageResolution": 1,
        }

    def stored_item(self, sort_key: str = "state") -> dict[str, Any] | None:
        response = self.client("dynamodb").get_item(
            TableName=self.config.state_table,
            Key={"pk": {"S": f"scaler#{self.group}"}, "sk": {"S": sort_key}},
            ConsistentRead=True,
        )
        item: dict[str, Any] | None = response.get("Item")
        return item

    def set_pause(self, value: str) -> None:
        assert self.config.pause_parameter
        self.client("ssm").put_parameter(
            Name=self.config.pause_parameter, Value=value, Type="String", Overwrite=True
        )


@pytest.fixture(scope="module")
def launch_template(moto_server: str) -> Iterator[str]:
    """An AMI of our own (the default AMIs are not loaded) and a launch template using it."""
    ec2 = boto3.client("ec2", endpoint_url=moto_server, region_name=REGION)
    image = ec2.register_image(
        Name=f"warmfleet-gpu-{uuid.uuid4().hex[:8]}",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )
    name = f"warmfleet-lt-{uuid.uuid4().hex[:8]}"
    ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": image["ImageId"], "InstanceType": "g5.xlarge"}
    )
    yield name


@pytest.fixture(scope="module")
def state_table(moto_server: str) -> str:
    name = f"warmfleet-state-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb", endpoint_url=moto_server, region_name=REGION).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


POLICY: dict[str, Any] = {
    "signals": [
        {"name": "InFlightRequests", "target": 4},
        {"name": "QueueBacklog", "kind": "total", "target": 10},
    ],
    "warmup_budget_seconds": 120,
    "panic": {"enabled": False},
}


@pytest.fixture
def make_fleet(moto_server: str, launch_template: str, state_table: str) -> Callable[..., Fleet]:
    """Build a fleet: `make_fleet(desired=2, policy=..., tags=..., dry_run=...)`."""

    def build(
        *,
        desired: int = 2,
        min_size: int = 1,
        max_size: int = 10,
        policy: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        dry_run: bool = False,
        paused: str = "false",
    ) -> Fleet:
        suffix = uuid.uuid4().hex[:8]
        group = f"warmfleet-{suffix}-fleet"
        clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
        queue_url = boto3.client("sqs", endpoint_url=moto_server, region_name=REGION).create_queue(
            QueueName=f"warmfleet-{suffix}-requests"
        )["QueueUrl"]
        config = ScalerConfig(
            group_name=group,
            state_table=state_table,
            queue_url=queue_url,
            policy=json.loads(json.dumps(policy if policy is not None else POLICY)),
            pause_parameter=f"/warmfleet/{suffix}/paused",
            dry_run=dry_run,
        )
        fleet = Fleet(endpoint=moto_server, config=config, clock=clock)
        fleet.set_pause(paused)
        fleet.client("autoscaling").create_auto_scaling_group(
            AutoScalingGroupName=group,
            LaunchTemplate={"LaunchTemplateName": launch_template, "Version": "$Latest"},
            MinSize=min_size,
            MaxSize=max_size,
            DesiredCapacity=desired,
            AvailabilityZones=[f"{REGION}a"],
            Tags=[
                {
                    "ResourceId": group,
                    "ResourceType": "auto-scaling-group",
                    "Key": k,
                    "Value": v,
                    "PropagateAtLaunch": False,
                }
                for k, v in (tags or {}).items()
            ],
        )
        return fleet

    return build


def with_config(fleet: Fleet, **changes: Any) -> Fleet:
    """The same group seen by a function configured differently (a fresh container)."""
    return Fleet(
        endpoint=fleet.endpoint,
        config=replace(fleet.config, **changes),
        clock=fleet.clock,
        clients=fleet.clients,
    )
