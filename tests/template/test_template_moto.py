"""The transformed template deploys to a moto server, and `sam deploy --no-execute-changeset` succeeds.

moto stands in for CloudFormation offline. What it cannot create it skips with a warning (alarms, the
Scheduler, queue policies, security group rules...); what it can create must come up with this stack's
settings. Two moto quirks are worked around in the copy deployed here, never in template.yaml: moto
resolves an SSM-typed parameter's Default even when a value is passed, and reserves /aws/ names, so the
ImageId default points at a parameter the test creates; and moto's target group has no CloudFormation
attributes (TargetGroupFullName), so the dashboard, which reads them, is left out.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .template_support import (
    CODE_BUCKET,
    DEFAULT_IMAGE_PARAMETER,
    FAKE_CREDENTIALS,
    MODEL_ARTIFACT_URI,
    REGION,
    TEST_IMAGE_PARAMETER,
    VENV_BIN,
    aws_client,
    deploy_to_moto,
    tool_env,
)

pytestmark = pytest.mark.slow
STACK = "wf-moto"


@pytest.fixture(scope="module")
def aws(moto_account: dict[str, str]) -> dict[str, str]:
    return moto_account


@pytest.fixture(scope="module")
def stack(aws: dict[str, str], transformed: dict[str, Any]) -> dict[str, Any]:
    return deploy_to_moto(aws, transformed, STACK)


def _client(aws: dict[str, str], name: str) -> Any:
    return aws_client(name, aws["endpoint"])


def _physical_ids(aws: dict[str, str], resource_type: str) -> list[str]:
    """This stack's resources of one type (the moto account holds other stacks too)."""
    summaries = _client(aws, "cloudformation").list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    return [item["PhysicalResourceId"] for item in summaries if item["ResourceType"] == resource_type]


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def test_stack_is_created(stack: dict[str, Any]) -> None:
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")


def test_group_comes_up_in_the_private_subnets_with_imdsv2(
    stack: dict[str, Any], aws: dict[str, str]
) -> None:
    # GIVEN the created stack WHEN its Auto Scaling group is described
    group_name = _outputs(stack)["AutoScalingGroupName"]
    group = _client(aws, "autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])[
        "AutoScalingGroups"
    ][0]
    # THEN it has the derived name, the parameter bounds, ELB health checks and the private subnets
    assert group_name == f"{STACK}-fleet"
    assert (group["MinSize"], group["MaxSize"]) == (1, 4)
    assert group["HealthCheckType"] == "ELB"
    assert set(group["VPCZoneIdentifier"].split(",")) == set(aws["PrivateSubnetIds"].split(","))
    assert len(group["TargetGroupARNs"]) == 1
    # AND its launch template requires IMDSv2, gives no public IP and encrypts the root volume
    template_id = group["LaunchTemplate"]["LaunchTemplateId"]
    version = _client(aws, "ec2").describe_launch_template_versions(LaunchTemplateId=template_id)[
        "LaunchTemplateVersions"
    ][0]["LaunchTemplateData"]
    assert version["ImageId"] == aws["image"]
    assert version["MetadataOptions"]["HttpTokens"] == "required"
    assert version["NetworkInterfaces"][0]["AssociatePublicIpAddress"] is False
    assert version["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True


def test_queues_are_encrypted_and_redrive_to_the_dead_letter_queue(
    stack: dict[str, Any], aws: dict[str, str]
) -> None:
    sqs = _client(aws, "sqs")
    outputs = _outputs(stack)
    attributes = sqs.get_queue_attributes(QueueUrl=outputs["InferenceQueueUrl"], AttributeNames=["All"])[
        "Attributes"
    ]
    dead_letter_arn = sqs.get_queue_attributes(
        QueueUrl=outputs["InferenceDeadLetterQueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert attributes["SqsManagedSseEnabled"] == "true"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dead_letter_arn,
        "maxReceiveCount": 3,
    }


def test_state_table_has_the_shared_keys_on_demand(stack: dict[str, Any], aws: dict[str, str]) -> None:
    dynamodb = _client(aws, "dynamodb")
    table_name = _outputs(stack)["StateTableName"]
    table = dynamodb.describe_table(TableName=table_name)["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    # (moto's CloudFormation ignores TimeToLiveSpecification; the transformed-template tests check it.)


def test_instances_find_their_configuration_under_the_stack_prefix(
    stack: dict[str, Any], aws: dict[str, str]
) -> None:
    # GIVEN the SSM prefix the user data hands to bootstrap.sh
    prefix = _outputs(stack)["ConfigurationPrefix"]
    pages = _client(aws, "ssm").get_paginator("get_parameters_by_path").paginate(Path=prefix)
    parameters = [parameter for page in pages for parameter in page["Parameters"]]
    values = {parameter["Name"].removeprefix(prefix): parameter["Value"] for parameter in parameters}
    # THEN every setting the bootstrap reads is there, with this stack's values
    outputs = _outputs(stack)
    assert values == {
        "model-uri": MODEL_ARTIFACT_URI,
        "model-version": "v1",
        "group-name": f"{STACK}-fleet",
        "queue-url": outputs["InferenceQueueUrl"],
        "reply-queue-url": outputs["ReplyQueueUrl"],
        "results-bucket": outputs["ResultsBucketName"],
        "app-port": "8000",
        "drain-timeout-seconds": "300",
        "paused": "false",
    }


def test_functions_run_python313_with_the_layer(stack: dict[str, Any], aws: dict[str, str]) -> None:
    # (moto's CloudFormation drops Architectures; the transformed-template tests check arm64.)
    lambda_client = _client(aws, "lambda")
    outputs = _outputs(stack)
    for output in ["LifecycleFunctionName", "ScalerFunctionName", "AlarmFunctionName"]:
        function = lambda_client.get_function_configuration(FunctionName=outputs[output])
        assert function["Runtime"] == "python3.13"
        assert function["Handler"] == "app.lambda_handler"
        assert function["Environment"]["Variables"]["GROUP_NAME"] == f"{STACK}-fleet"
    # (moto's CloudFormation neither attaches layers nor reports the layer's ARN; the layers published
    # by the stacks on this server are all the warmfleet layer.)
    layers = lambda_client.list_layers()["Layers"]
    assert layers
    assert all(layer["LatestMatchingVersion"]["CompatibleRuntimes"] == ["python3.13"] for layer in layers)


def test_lifecycle_rules_match_only_this_group(stack: dict[str, Any], aws: dict[str, str]) -> None:
    events = _client(aws, "events")
    rules = [events.describe_rule(Name=name) for name in _physical_ids(aws, "AWS::Events::Rule")]
    patterns = [json.loads(rule["EventPattern"]) for rule in rules]
    group_patterns = [pattern for pattern in patterns if pattern["source"] != ["aws.cloudwatch"]]
    assert len(group_patterns) == 3
    for pattern in group_patterns:
        detail = pattern["detail"]
        assert detail.get("AutoScalingGroupName", detail.get("autoScalingGroupName")) == [f"{STACK}-fleet"]


def test_sam_deploy_creates_a_change_set(sam_build_dir: Path, aws: dict[str, str]) -> None:
    # GIVEN the built template, with the ImageId default moto can resolve
    built = sam_build_dir / "template.yaml"
    moto_copy = sam_build_dir / "template.moto.yaml"
    moto_copy.write_text(
        built.read_text(encoding="utf-8").replace(DEFAULT_IMAGE_PARAMETER, TEST_IMAGE_PARAMETER),
        encoding="utf-8",
    )
    overrides = [f"{key}={value}" for key, value in aws.items() if key[0].isupper()]
    # WHEN sam deploy packages it to the moto S3 and creates (but does not execute) a change set
    result = subprocess.run(
        [
            str(VENV_BIN / "sam"),
            "deploy",
            "--template-file",
            str(moto_copy),
            "--stack-name",
            "wf-sam-deploy",
            "--s3-bucket",
            CODE_BUCKET,
            "--region",
            REGION,
            "--capabilities",
            "CAPABILITY_IAM",
            "CAPABILITY_AUTO_EXPAND",
            "--no-execute-changeset",
            "--no-confirm-changeset",
            "--parameter-overrides",
            *overrides,
        ],
        cwd=sam_build_dir,
        env=tool_env(AWS_ENDPOINT_URL=aws["endpoint"], AWS_DEFAULT_REGION=REGION, **FAKE_CREDENTIALS),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # THEN the change set is created, and it holds the stack's resources
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Changeset created successfully" in result.stdout
    cloudformation = _client(aws, "cloudformation")
    change_sets = cloudformation.list_change_sets(StackName="wf-sam-deploy")["Summaries"]
    assert len(change_sets) == 1
    changes = cloudformation.describe_change_set(
        StackName="wf-sam-deploy", ChangeSetName=change_sets[0]["ChangeSetId"]
    )["Changes"]
    added = {change["ResourceChange"]["LogicalResourceId"] for change in changes}
    assert {"FleetGroup", "LaunchTemplate", "LifecycleFunction", "ScalerFunction", "StateTable"} <= added
