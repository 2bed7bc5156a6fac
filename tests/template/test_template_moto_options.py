"""The optional features, all switched on at once, deploy to moto and come up as asked.

Spot instance types (mixed-instances policy), a certificate (HTTPS with a TLS 1.3 policy, HTTP
redirected), an internal load balancer, VPC endpoints, access logs, stickiness, an alarm e-mail, a busy-hours
window, a starting capacity, the prod environment, a container image and your own server's URLs.
"""

from __future__ import annotations

from typing import Any

import pytest

from .template_support import aws_client, deploy_to_moto, stack_outputs

pytestmark = pytest.mark.slow
STACK = "wf-moto-options"


@pytest.fixture(scope="module")
def stack(moto_account: dict[str, str], transformed: dict[str, Any]) -> dict[str, Any]:
    return deploy_to_moto(
        moto_account,
        transformed,
        STACK,
        SpotInstanceTypes="g5.2xlarge,g6.xlarge",
        CertificateArn=moto_account["certificate"],
        Scheme="internal",
        CreateVpcEndpoints="true",
        PrivateRouteTableIds=moto_account["route_table"],
        AccessLogsEnabled="true",
        StickinessEnabled="true",
        AlarmEmail="ops@example.com",
        BusyHoursExpression="cron(0 8 ? * MON-FRI *)",
        DesiredCapacity="2",
        EnvironmentName="prod",
        ContainerImage="123456789012.dkr.ecr.us-east-1.amazonaws.com/vllm:0.6",
        ContainerPort="8080",
        ServerReadyUrl="http://127.0.0.1:8080/health",
        ServerMetricsUrl="http://127.0.0.1:8080/metrics",
    )


def _resources(moto_account: dict[str, str]) -> dict[str, str]:
    cloudformation = aws_client("cloudformation", moto_account["endpoint"])
    summaries = cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    return {summary["LogicalResourceId"]: summary["ResourceType"] for summary in summaries}


def test_stack_is_created(stack: dict[str, Any]) -> None:
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")


def test_spot_types_make_a_mixed_instances_group(stack: dict[str, Any], moto_account: dict[str, str]) -> None:
    name = stack_outputs(stack)["AutoScalingGroupName"]
    autoscaling = aws_client("autoscaling", moto_account["endpoint"])
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    policy = group["MixedInstancesPolicy"]
    overrides = [override["InstanceType"] for override in policy["LaunchTemplate"]["Overrides"]]
    assert overrides == ["g5.xlarge", "g5.2xlarge", "g6.xlarge"]
    assert policy["InstancesDistribution"]["SpotAllocationStrategy"] == "price-capacity-optimized"
    assert group["DesiredCapacity"] == 2


def test_certificate_turns_on_https_and_redirects_http(
    stack: dict[str, Any], moto_account: dict[str, str]
) -> None:
    elbv2 = aws_client("elbv2", moto_account["endpoint"])
    balancers = [
        balancer
        for balancer in elbv2.describe_load_balancers()["LoadBalancers"]
        if balancer["LoadBalancerName"].startswith(STACK[:10])
    ]
    (balancer,) = [b for b in balancers if b["Scheme"] == "internal"]
    listeners = {
        listener["Port"]: listener
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    }
    assert listeners[443]["Protocol"] == "HTTPS"
    assert listeners[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert [action["Type"] for action in listeners[443]["DefaultActions"]] == ["forward"]
    assert [action["Type"] for action in listeners[80]["DefaultActions"]] == ["redirect"]
    assert stack_outputs(stack)["LoadBalancerUrl"].startswith("https://")


def test_optional_resources_are_created(stack: dict[str, Any], moto_account: dict[str, str]) -> None:
    resources = _resources(moto_account)
    assert {
        "S3GatewayEndpoint",
        "DynamoDbGatewayEndpoint",
        "SqsEndpoint",
        "SsmEndpoint",
        "AutoScalingEndpoint",
        "EventsEndpoint",
        "EndpointSecurityGroup",
        "AccessLogsBucket",
        "LoadBalancerHttpsIngress",
        "HttpsListener",
        "BusyHoursScheduleRole",
        "InstanceContainerPullPolicy",
    } <= set(resources)


def test_container_and_own_server_settings_reach_the_instances(
    stack: dict[str, Any], moto_account: dict[str, str]
) -> None:
    prefix = stack_outputs(stack)["ConfigurationPrefix"]
    ssm = aws_client("ssm", moto_account["endpoint"])
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=prefix)
    values = {
        parameter["Name"].removeprefix(prefix): parameter["Value"]
        for page in pages
        for parameter in page["Parameters"]
    }
    assert values["container-image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/vllm:0.6"
    assert values["container-port"] == "8080"
    assert values["ready-url"] == "http://127.0.0.1:8080/health"
    assert values["metrics-url"] == "http://127.0.0.1:8080/metrics"
    assert "drain-url" not in values  # unset: absent, never empty
