"""The AWS side of the demo on a local moto server: the resources `template.yaml` would create, and the
published model version the instances install.

moto stands in for what it emulates well (DESIGN.md, "What moto can and cannot do"): the artifact bucket
(S3), the state table (DynamoDB), the stack's and the version's parameters (SSM), CloudWatch metric
storage, the Auto Scaling group's record (bounds and desired capacity) and the EventBridge rules that carry
lifecycle actions and instance events. moto's EventBridge cannot invoke a Lambda function, so the three
rules of the lifecycle function (launch hook, terminate hook, instance events, with the template's
patterns) target one SQS queue that the demo's event router drains into the real handler. The version is
published with the real `warmfleet-inference publish` command, as an operator would, and its bootstrap.sh
fetched and checked as the launch template's user data does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from warmfleet.exceptions import WarmfleetError

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "demo"
GROUP = f"{STACK}-fleet"
LAUNCH_HOOK = f"{STACK}-launch-hook"
TERMINATE_HOOK = f"{STACK}-terminate-hook"
TABLE = f"{STACK}-state"
BUCKET = f"{STACK}-artifacts"
VERSION = "demo.1"
MODEL_NAME = "demo-mlp"
#: The port the stack gives the server (`app-port`); the lifecycle function verifies `<private ip>:APP_PORT`.
APP_PORT = 8000
#: Fake credentials: only the local moto server is ever called.
FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}

#: The lifecycle function's EventBridge rules in `template.yaml` (LifecycleFunction's Events).
LIFECYCLE_RULES = {
    "launch-hook": {
        "source": ["aws.autoscaling"],
        "detail-type": ["EC2 Instance-launch Lifecycle Action"],
        "detail": {"AutoScalingGroupName": [GROUP]},
    },
    "terminate-hook": {
        "source": ["aws.autoscaling"],
        "detail-type": ["EC2 Instance-terminate Lifecycle Action"],
        "detail": {"AutoScalingGroupName": [GROUP]},
    },
    "instance-events": {
        "source": ["warmfleet.instance"],
        "detail-type": ["Instance Warm", "Instance Warm-up Failed", "Instance Drained"],
        "detail": {"autoScalingGroupName": [GROUP]},
    },
}


@dataclass(frozen=True)
class Stage:
    """The moto endpoint and what was created on it."""

    endpoint: str
    events_queue_url: str
    max_size: int

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION)  # type: ignore[call-overload]

    def environment(self) -> dict[str, str]:
        """A child process's environment: AWS on the moto server, the fake credentials."""
        return {**os.environ, **FAKE_ENVIRONMENT, "AWS_ENDPOINT_URL": self.endpoint}


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server on 127.0.0.1 (a free port) in this process; yields its endpoint, stops it on exit."""
    os.environ.update(FAKE_ENVIRONMENT)
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - moto's server imports every service

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_stage(endpoint: str, *, max_size: int, drain_timeout: int) -> Stage:
    """Create the stack's resources on moto (group with desired 1, table, rules, queue, parameters)."""
    stage = Stage(endpoint, "", max_size)
    _create_table(stage.client("dynamodb"))
    _create_group(stage.client("ec2"), stage.client("autoscaling"), max_size)
    queue_url = _route_lifecycle_events(stage.client("sqs"), stage.client("events"))
    stage.client("s3").create_bucket(Bucket=BUCKET)
    ssm = stage.client("ssm")
    for name, value in {
        "group-name": GROUP,
        "model-version": VERSION,
        "app-port": str(APP_PORT),
        "drain-timeout-seconds": str(drain_timeout),
    }.items():
        ssm.put_parameter(Name=f"/warmfleet/{STACK}/{name}", Value=value, Type="String", Overwrite=True)
    return Stage(endpoint, queue_url, max_size)


def _create_table(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _create_group(ec2: Any, autoscaling: Any, max_size: int) -> None:
    # moto needs an image and a launch template to create a group; its own EC2 instances are never used
    # (the local fleet is the group's instances: moto cannot hold one in Pending:Wait).
    image = ec2.register_image(
        Name="demo-gpu",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )
    ec2.create_launch_template(
        LaunchTemplateName=f"{STACK}-template",
        LaunchTemplateData={"ImageId": image["ImageId"], "InstanceType": "g5.xlarge"},
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=GROUP,
        LaunchTemplate={"LaunchTemplateName": f"{STACK}-template", "Version": "$Latest"},
        MinSize=1,
        MaxSize=max_size,
        DesiredCapacity=1,
        AvailabilityZones=[f"{REGION}a"],
    )


def _route_lifecycle_events(sqs: Any, events: Any) -> str:
    url = str(sqs.create_queue(QueueName=f"{STACK}-lifecycle-events")["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for name, pattern in LIFECYCLE_RULES.items():
        events.put_rule(Name=f"{STACK}-{name}", EventPattern=json.dumps(pattern))
        events.put_targets(Rule=f"{STACK}-{name}", Targets=[{"Id": "lifecycle-function", "Arn": arn}])
    return url


def publish_version(stage: Stage, workdir: Path, *, batch_window_ms: float) -> None:
    """Build a small reference model and publish it with `warmfleet-inference publish` (a subprocess)."""
    tool = str(Path(sys.executable).parent / "warmfleet-inference")
    model = workdir / f"{MODEL_NAME}.onnx"
    # A small perceptron: the instances load and warm it in a moment on a shared CPU.
    sizes = ["--input-dim", "8", "--hidden-dim", "32", "--layers", "2", "--output-dim", "4"]
    _run([tool, "make-model", str(model), *sizes], stage)
    _run(
        [
            *(tool, "publish", "--bucket", BUCKET, "--version", VERSION, "--stack-name", STACK),
            *("--model", str(model), "--accelerator", "cpu", "--batch-window-ms", f"{batch_window_ms:g}"),
            *("--warmup-iterations", "2", "--warmup-batch-sizes", "1,4"),
        ],
        stage,
    )


def _run(command: list[str], stage: Stage) -> None:
    done = subprocess.run(
        command, env=stage.environment(), capture_output=True, text=True, check=False, timeout=300
    )
    if done.returncode != 0:
        raise WarmfleetError(f"{' '.join(command[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")


def fetch_bootstrap(stage: Stage, workdir: Path) -> Path:
    """The version's bootstrap.sh from S3, checked against `bootstrap-sha256` (the user data's first step)."""
    ssm, prefix = stage.client("ssm"), f"/warmfleet/{STACK}/versions/{VERSION}"
    expected = ssm.get_parameter(Name=f"{prefix}/bootstrap-sha256")["Parameter"]["Value"]
    key = ssm.get_parameter(Name=f"{prefix}/bootstrap-uri")["Parameter"]["Value"].split(f"{BUCKET}/", 1)[1]
    body = stage.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    if hashlib.sha256(body).hexdigest() != expected:
        raise WarmfleetError(f"bootstrap.sh does not match its published sha256 {expected}")
    path = workdir / "bootstrap.sh"
    path.write_bytes(body)
    return path
