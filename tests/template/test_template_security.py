"""Assertions on the transformed template's security: least-privilege IAM, the network's only paths,
IMDSv2, no public addresses and encryption at rest everywhere data lands."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .template_support import Resolver, as_list, resources_of_type

# Auto Scaling calls that change a group; never allowed on Resource "*" without a condition.
READ_ONLY_PREFIXES = ("Describe", "Get", "List")


def _statements(transformed: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM policy statement of every role and policy, with the owning resource's id."""
    for logical_id, resource in transformed["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        elif resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents = [properties["PolicyDocument"]]
        else:
            continue
        for document in documents:
            for statement in as_list(document["Statement"]):
                yield logical_id, statement


def test_no_wildcard_actions(transformed: dict[str, Any]) -> None:
    # GIVEN every statement of every role THEN each action names one API call
    for owner, statement in _statements(transformed):
        for action in as_list(statement["Action"]):
            assert "*" not in action, (owner, action)


def test_no_unconditioned_auto_scaling_mutation_on_every_resource(transformed: dict[str, Any]) -> None:
    for owner, statement in _statements(transformed):
        mutations = [
            action
            for action in as_list(statement["Action"])
            if action.startswith("autoscaling:") and not action.split(":")[1].startswith(READ_ONLY_PREFIXES)
        ]
        if mutations and "*" in as_list(statement["Resource"]):
            assert statement.get("Condition"), (owner, mutations)


@pytest.mark.parametrize("role", ["LifecycleFunctionRole", "ScalerFunctionRole", "AlarmFunctionRole"])
def test_functions_change_only_this_group(transformed: dict[str, Any], role: str) -> None:
    mutations = [
        statement
        for owner, statement in _statements(transformed)
        if owner == role
        and any(
            action.startswith("autoscaling:") and not action.split(":")[1].startswith(READ_ONLY_PREFIXES)
            for action in as_list(statement["Action"])
        )
    ]
    assert mutations
    for statement in mutations:
        resource = statement["Resource"]["Fn::Sub"]
        assert resource.endswith(":autoScalingGroup:*:autoScalingGroupName/${AWS::StackName}-fleet")


def _instance_statements(transformed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        statement["Sid"]: statement
        for owner, statement in _statements(transformed)
        if owner == "InstanceRole"
    }


def test_instance_role_has_exactly_what_the_instance_needs(transformed: dict[str, Any]) -> None:
    statements = _instance_statements(transformed)
    assert set(statements) == {
        "ReadArtifacts",
        "ListArtifacts",
        "WriteResults",
        "PublishOwnMetrics",
        "ConsumeRequests",
        "SendReplies",
        "ReadStackConfiguration",
        "InstanceEventsOnly",
    }
    # Metrics only in the warmfleet namespace, events only of the instance source
    assert statements["PublishOwnMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "warmfleet"}
    }
    assert statements["InstanceEventsOnly"]["Condition"] == {
        "StringEquals": {"events:source": "warmfleet.instance"}
    }
    # Configuration only under this stack's prefix; requests from its queue, replies to its reply queue
    for resource in statements["ReadStackConfiguration"]["Resource"]:
        assert ":parameter/warmfleet/${AWS::StackName}" in resource["Fn::Sub"]
    assert statements["ConsumeRequests"]["Resource"] == {"Fn::GetAtt": ["InferenceQueue", "Arn"]}
    assert statements["SendReplies"]["Resource"] == {"Fn::GetAtt": ["ReplyQueue", "Arn"]}
    assert statements["ReadArtifacts"]["Action"] == "s3:GetObject"
    assert statements["ReadArtifacts"]["Resource"]["Fn::Sub"][0].endswith("${Bucket}/${Folder}/*")
    managed = transformed["Resources"]["InstanceRole"]["Properties"]["ManagedPolicyArns"]
    assert managed == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}]


def test_launch_template_requires_imdsv2_and_gives_no_public_address(transformed: dict[str, Any]) -> None:
    data = transformed["Resources"]["LaunchTemplate"]["Properties"]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    (interface,) = data["NetworkInterfaces"]
    assert interface["AssociatePublicIpAddress"] is False
    assert interface["Groups"] == [{"Ref": "InstanceSecurityGroup"}]
    (volume,) = data["BlockDeviceMappings"]
    assert volume["Ebs"]["Encrypted"] is True
    assert volume["Ebs"]["VolumeSize"] == {"Ref": "RootVolumeSizeGiB"}
    assert "KeyName" not in data  # no SSH key: Session Manager instead


def test_instances_accept_traffic_only_from_the_load_balancer_and_the_lifecycle_function(
    transformed: dict[str, Any],
) -> None:
    resources = transformed["Resources"]
    assert "SecurityGroupIngress" not in resources["InstanceSecurityGroup"]["Properties"]
    rules = [
        rule["Properties"]
        for rule in resources_of_type(transformed, "AWS::EC2::SecurityGroupIngress").values()
        if rule["Properties"]["GroupId"] == {"Ref": "InstanceSecurityGroup"}
    ]
    assert sorted(rule["SourceSecurityGroupId"]["Ref"] for rule in rules) == [
        "LifecycleFunctionSecurityGroup",
        "LoadBalancerSecurityGroup",
    ]
    for rule in rules:
        assert rule["FromPort"] == rule["ToPort"] == {"Ref": "AppPort"}
        assert "CidrIp" not in rule


def test_no_ssh_anywhere(transformed: dict[str, Any]) -> None:
    for logical_id, group in resources_of_type(transformed, "AWS::EC2::SecurityGroup").items():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            assert rule.get("FromPort") != 22, logical_id
    for logical_id, rule in resources_of_type(transformed, "AWS::EC2::SecurityGroupIngress").items():
        assert rule["Properties"]["FromPort"] != 22, logical_id


def test_queues_are_encrypted(transformed: dict[str, Any]) -> None:
    queues = resources_of_type(transformed, "AWS::SQS::Queue")
    assert len(queues) == 7
    for logical_id, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, logical_id


def test_state_table_is_on_demand_with_ttl_recovery_and_encryption(transformed: dict[str, Any]) -> None:
    table = transformed["Resources"]["StateTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}


def test_buckets_are_encrypted_private_and_expire(transformed: dict[str, Any]) -> None:
    for logical_id, bucket in resources_of_type(transformed, "AWS::S3::Bucket").items():
        properties = bucket["Properties"]
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"], logical_id
        assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}, logical_id
        assert all(rule["ExpirationInDays"] for rule in properties["LifecycleConfiguration"]["Rules"])
    results = transformed["Resources"]["ResultsBucket"]["Properties"]
    assert results["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == {
        "Ref": "ResultsExpirationDays"
    }


def test_logs_and_topic_are_encrypted_with_the_stack_key(transformed: dict[str, Any]) -> None:
    for logical_id, group in resources_of_type(transformed, "AWS::Logs::LogGroup").items():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["StackKey", "Arn"]}, logical_id
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical_id
    assert transformed["Resources"]["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "StackKey"}
    assert transformed["Resources"]["StackKey"]["Properties"]["EnableKeyRotation"] is True


ECR_ARN = "arn:aws:ecr:{region}:{account}:repository/{repository}"
DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("image", "repository_arn"),
    [
        pytest.param(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/vllm:0.6",
            ECR_ARN.format(region="us-east-1", account="123456789012", repository="vllm"),
            id="ecr-tag",
        ),
        pytest.param(
            f"210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/triton@{DIGEST}",
            ECR_ARN.format(region="eu-west-1", account="210987654321", repository="team/triton"),
            id="ecr-nested-digest-other-account-region",
        ),
        pytest.param(
            f"123456789012.dkr.ecr.us-east-1.amazonaws.com/a/b/c:v1@{DIGEST}",
            ECR_ARN.format(region="us-east-1", account="123456789012", repository="a/b/c"),
            id="ecr-tag-and-digest",
        ),
        pytest.param(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/tgi",
            ECR_ARN.format(region="us-east-1", account="123456789012", repository="tgi"),
            id="ecr-untagged",
        ),
        pytest.param("nvcr.io/nvidia/tritonserver:24.08-py3", None, id="public-registry"),
        pytest.param("", None, id="no-image"),
    ],
)
def test_instances_pull_only_the_images_ecr_repository(
    sam_template: dict[str, Any], image: str, repository_arn: str | None
) -> None:
    # GIVEN a ContainerImage the parameter admits
    assert re.fullmatch(sam_template["Parameters"]["ContainerImage"]["AllowedPattern"], image)
    resolver = Resolver(sam_template, {"ContainerImage": image})
    policy = sam_template["Resources"]["InstanceContainerPullPolicy"]
    # THEN the pull policy exists for an ECR image only
    assert policy["Condition"] == "HasEcrImage"
    assert resolver.condition("HasEcrImage") == (repository_arn is not None)
    if repository_arn is None:
        return
    statements = {s["Sid"]: s for s in resolver.resolve(policy["Properties"]["PolicyDocument"])["Statement"]}
    # AND the pull actions name that one repository; only the registry login is on "*" (AWS requires it)
    assert statements["PullTheImagesRepository"]["Resource"] == repository_arn
    assert set(statements["PullTheImagesRepository"]["Action"]) == {
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchCheckLayerAvailability",
    }
    assert statements["RegistryLogin"] == {
        "Sid": "RegistryLogin",
        "Effect": "Allow",
        "Action": "ecr:GetAuthorizationToken",
        "Resource": "*",
    }


@pytest.mark.parametrize(
    "image",
    [
        pytest.param("123456789012.dkr.ecr.us-east-1.amazonaws.com", id="ecr-without-repository"),
        pytest.param("12345.dkr.ecr.us-east-1.amazonaws.com/vllm:1", id="ecr-short-account"),
        pytest.param("123456789012.dkr.ecr.us-east-1.amazonaws.com/Vllm:1", id="ecr-upper-case-repository"),
        pytest.param("mirror.example.com/123456789012.dkr.ecr.x/vllm", id="ecr-host-inside-a-path"),
        pytest.param("-leading-dash/image", id="leading-dash"),
    ],
)
def test_container_image_pattern_refuses_what_the_pull_policy_cannot_derive(
    sam_template: dict[str, Any], image: str
) -> None:
    # GIVEN a reference the ECR derivation would misread THEN the parameter refuses it at deploy time
    assert not re.fullmatch(sam_template["Parameters"]["ContainerImage"]["AllowedPattern"], image)
