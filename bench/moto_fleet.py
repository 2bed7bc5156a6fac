"""What the moto-backed benchmarks share: fake credentials, a fake clock, and a moto server holding an AMI, a
launch template and the state table, on which each measurement makes its own Auto Scaling group and queue.
The server itself starts and stops with `warmfleet.local.stage.moto_server`, the demo's.

Importing this module sets the fake AWS environment, so import it before boto3 creates a session.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
)

import boto3

REGION = "us-east-1"
TEMPLATE = "bench-template"
TABLE = "bench-state"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (`fraction` in [0, 1])."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class MotoFleet:
    """A moto server with an AMI, a launch template and the state table; makes groups and queues on it."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.session = boto3.session.Session(region_name=REGION)
        ec2 = self.client("ec2")
        image = ec2.register_image(
            Name="bench-gpu",
            RootDeviceName="/dev/xvda",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
        )
        ec2.create_launch_template(
            LaunchTemplateName=TEMPLATE,
            LaunchTemplateData={"ImageId": image["ImageId"], "InstanceType": "g5.xlarge"},
        )
        self.table = TABLE
        self.client("dynamodb").create_table(
            TableName=self.table,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]

    def new_group(self, *, desired: int, max_size: int) -> tuple[str, str, str]:
        """A fresh group and queue: (suffix, group name, queue URL)."""
        suffix = uuid.uuid4().hex[:8]
        name = f"bench-{suffix}"
        self.client("autoscaling").create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": TEMPLATE, "Version": "$Latest"},
            MinSize=1,
            MaxSize=max_size,
            DesiredCapacity=desired,
            AvailabilityZones=[f"{REGION}a"],
        )
        queue = self.client("sqs").create_queue(QueueName=f"bench-{suffix}")["QueueUrl"]
        return suffix, name, queue

    def desired(self, group_name: str) -> int:
        groups = self.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])
        return int(groups["AutoScalingGroups"][0]["DesiredCapacity"])
