"""Assertions on the SAM-transformed CloudFormation: the resources DESIGN.md's flow needs and how they
are wired (hooks, DependsOn, functions, triggers, the tick loop)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from warmfleet.config import LifecycleConfig

from .template_support import Resolver, as_list, function_environment, resources_of_type

GROUP_NAME = {"Fn::Sub": "${AWS::StackName}-fleet"}

EXPECTED_RESOURCES = [
    ("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
    ("TargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup"),
    ("HttpListener", "AWS::ElasticLoadBalancingV2::Listener"),
    ("HttpsListener", "AWS::ElasticLoadBalancingV2::Listener"),
    ("LaunchTemplate", "AWS::EC2::LaunchTemplate"),
    ("InstanceProfile", "AWS::IAM::InstanceProfile"),
    ("FleetGroup", "AWS::AutoScaling::AutoScalingGroup"),
    ("InferenceQueue", "AWS::SQS::Queue"),
    ("InferenceDeadLetterQueue", "AWS::SQS::Queue"),
    ("ReplyQueue", "AWS::SQS::Queue"),
    ("ResultsBucket", "AWS::S3::Bucket"),
    ("StateTable", "AWS::DynamoDB::Table"),
    ("WarmfleetLayer", "AWS::Lambda::LayerVersion"),
    ("LifecycleFunction", "AWS::Lambda::Function"),
    ("ScalerFunction", "AWS::Lambda::Function"),
    ("AlarmFunction", "AWS::Lambda::Function"),
    ("LifecycleFunctionLaunchHook", "AWS::Events::Rule"),
    ("LifecycleFunctionTerminateHook", "AWS::Events::Rule"),
    ("LifecycleFunctionInstanceEvents", "AWS::Events::Rule"),
    ("LifecycleFunctionSweep", "AWS::Scheduler::Schedule"),
    ("AlarmFunctionAlarmStateChange", "AWS::Events::Rule"),
    ("TickStateMachine", "AWS::StepFunctions::StateMachine"),
    ("TickStateMachineEveryMinute", "AWS::Scheduler::Schedule"),
    ("BusyHoursSchedule", "AWS::Scheduler::Schedule"),
    ("InFlightHighAlarm", "AWS::CloudWatch::Alarm"),
    ("LatencyHighAlarm", "AWS::CloudWatch::Alarm"),
    ("QueueBacklogHighAlarm", "AWS::CloudWatch::Alarm"),
    ("UnhealthyHostsAlarm", "AWS::CloudWatch::Alarm"),
    ("Http5xxRateAlarm", "AWS::CloudWatch::Alarm"),
    ("DeadLetterQueuesNotEmptyAlarm", "AWS::CloudWatch::Alarm"),
    ("AlarmTopic", "AWS::SNS::Topic"),
    ("Dashboard", "AWS::CloudWatch::Dashboard"),
    ("PauseParameter", "AWS::SSM::Parameter"),
    ("S3GatewayEndpoint", "AWS::EC2::VPCEndpoint"),
    ("WebAclAssociation", "AWS::WAFv2::WebACLAssociation"),
    ("DnsRecord", "AWS::Route53::RecordSet"),
    ("AccessLogsBucket", "AWS::S3::Bucket"),
]


@pytest.mark.parametrize(
    ("logical_id", "resource_type"), EXPECTED_RESOURCES, ids=[e[0] for e in EXPECTED_RESOURCES]
)
def test_resource_exists(transformed: dict[str, Any], logical_id: str, resource_type: str) -> None:
    resources = transformed["Resources"]
    if logical_id == "WarmfleetLayer":  # SAM suffixes the layer version's id with a content hash
        matches = [key for key in resources if key.startswith("WarmfleetLayer")]
        assert len(matches) == 1
        logical_id = matches[0]
    assert resources[logical_id]["Type"] == resource_type


def _group(transformed: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = transformed["Resources"]["FleetGroup"]["Properties"]
    return properties


@pytest.mark.parametrize(
    ("transition", "default_result", "timeout_parameter", "name_suffix"),
    [
        pytest.param(
            "autoscaling:EC2_INSTANCE_LAUNCHING",
            "ABANDON",
            "HookHeartbeatSeconds",
            "launch-hook",
            id="launch",
        ),
        pytest.param(
            "autoscaling:EC2_INSTANCE_TERMINATING",
            "CONTINUE",
            "DrainTimeoutSeconds",
            "terminate-hook",
            id="terminate",
        ),
    ],
)
def test_lifecycle_hooks_exist_from_group_creation(
    transformed: dict[str, Any],
    transition: str,
    default_result: str,
    timeout_parameter: str,
    name_suffix: str,
) -> None:
    # GIVEN the hooks declared on the group itself (so they exist before its first instance launches)
    hooks = {
        hook["LifecycleTransition"]: hook for hook in _group(transformed)["LifecycleHookSpecificationList"]
    }
    hook = hooks[transition]
    # THEN the transition's default, heartbeat and name are as the lifecycle function expects
    assert hook["DefaultResult"] == default_result
    assert hook["HeartbeatTimeout"] == {"Ref": timeout_parameter}
    assert hook["LifecycleHookName"] == {"Fn::Sub": f"${{AWS::StackName}}-{name_suffix}"}


def test_group_serves_through_the_target_group_with_elb_health(transformed: dict[str, Any]) -> None:
    group = _group(transformed)
    assert group["AutoScalingGroupName"] == GROUP_NAME
    assert group["VPCZoneIdentifier"] == {"Ref": "PrivateSubnetIds"}
    assert group["TargetGroupARNs"] == [{"Ref": "TargetGroup"}]
    assert group["HealthCheckType"] == "ELB"
    assert group["HealthCheckGracePeriod"] > 0
    assert group["DefaultInstanceWarmup"] > 0
    assert group["MetricsCollection"] == [{"Granularity": "1Minute"}]
    # Spot brings a mixed-instances policy and capacity rebalancing; otherwise a plain launch template
    assert group["CapacityRebalance"] == {"Fn::If": ["HasSpotType1", True, False]}
    assert group["MixedInstancesPolicy"]["Fn::If"][0] == "HasSpotType1"
    assert group["LaunchTemplate"]["Fn::If"][0] == "HasSpotType1"
    update = transformed["Resources"]["FleetGroup"]["UpdatePolicy"]
    assert update["AutoScalingScheduledAction"] == {"IgnoreUnmodifiedGroupSizeProperties": True}


def test_a_failed_warm_up_gate_stops_and_rolls_back_a_model_roll_out(transformed: dict[str, Any]) -> None:
    # GIVEN the group's rolling update WHEN a new ModelVersion rolls the fleet
    rolling = transformed["Resources"]["FleetGroup"]["UpdatePolicy"]["AutoScalingRollingUpdate"]
    # THEN CloudFormation waits for every new instance's gate signal, within the roll-out pause
    assert rolling["WaitOnResourceSignals"] is True
    assert rolling["MinSuccessfulInstancesPercent"] == 100
    assert rolling["PauseTime"] == {"Fn::Sub": "PT${RolloutPauseSeconds}S"}
    # AND the lifecycle function knows which resource to signal and may signal only this stack
    variables = transformed["Resources"]["LifecycleFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["ROLLOUT_STACK_NAME"] == {"Ref": "AWS::StackName"}
    assert variables["ROLLOUT_RESOURCE_ID"] == "FleetGroup"
    role = transformed["Resources"]["LifecycleFunctionRole"]["Properties"]
    statements = [
        statement for policy in role["Policies"] for statement in policy["PolicyDocument"]["Statement"]
    ]
    signal = [s for s in statements if s.get("Action") == "cloudformation:SignalResource"]
    assert signal == [
        {
            "Sid": "SignalThisStacksRollout",
            "Effect": "Allow",
            "Action": "cloudformation:SignalResource",
            "Resource": {"Ref": "AWS::StackId"},
        }
    ]


def test_group_is_created_after_the_rules_and_configuration_its_instances_need(
    transformed: dict[str, Any],
) -> None:
    depends_on = set(as_list(transformed["Resources"]["FleetGroup"]["DependsOn"]))
    assert {
        "LifecycleFunction",
        "LifecycleFunctionLaunchHook",
        "LifecycleFunctionTerminateHook",
        "LifecycleFunctionInstanceEvents",
        "LifecycleFunctionLaunchHookPermission",
        "LifecycleFunctionTerminateHookPermission",
        "LifecycleFunctionInstanceEventsPermission",
        "LifecycleFunctionSweep",
        "ModelUriParameter",
        "GroupNameParameter",
        "QueueUrlParameter",
    } <= depends_on


def test_target_group_checks_health_and_drains_for_the_drain_timeout(transformed: dict[str, Any]) -> None:
    target_group = transformed["Resources"]["TargetGroup"]["Properties"]
    assert target_group["Port"] == {"Ref": "AppPort"}
    assert target_group["HealthCheckPath"] == {"Ref": "HealthCheckPath"}
    assert transformed["Parameters"]["HealthCheckPath"]["Default"] == "/health"
    assert target_group["HealthCheckTimeoutSeconds"] < target_group["HealthCheckIntervalSeconds"]
    attributes = {item["Key"]: item["Value"] for item in target_group["TargetGroupAttributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == {"Ref": "DrainTimeoutSeconds"}
    assert attributes["stickiness.enabled"] == {"Ref": "StickinessEnabled"}


# AWS's bounds on the two settings DrainTimeoutSeconds feeds: a lifecycle hook's HeartbeatTimeout, 30-7200 s
# (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutLifecycleHook.html), and a target
# group's deregistration_delay.timeout_seconds, 0-3600 s
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html).
HOOK_HEARTBEAT_RANGE = (30, 7200)
DEREGISTRATION_DELAY_RANGE = (0, 3600)


def test_drain_timeout_range_fits_the_hook_the_target_group_and_the_function(
    transformed: dict[str, Any], sam_template: dict[str, Any]
) -> None:
    # GIVEN DrainTimeoutSeconds, the terminate hook's heartbeat and the target group's deregistration delay
    spec = transformed["Parameters"]["DrainTimeoutSeconds"]
    low, high = int(spec["MinValue"]), int(spec["MaxValue"])
    # THEN every value the parameter accepts is one both AWS settings accept
    assert HOOK_HEARTBEAT_RANGE[0] <= low and high <= HOOK_HEARTBEAT_RANGE[1]
    assert DEREGISTRATION_DELAY_RANGE[0] <= low and high <= DEREGISTRATION_DELAY_RANGE[1]
    # AND the lifecycle function's configuration loads at both ends of the range
    for value in (low, high):
        env = function_environment(sam_template, "LifecycleFunction", {"DrainTimeoutSeconds": str(value)})
        assert LifecycleConfig.from_env(env).drain_timeout_seconds == value


def test_https_listener_uses_a_tls13_policy_and_http_redirects(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    https = resources["HttpsListener"]
    assert https["Condition"] == "HasCertificate"
    assert https["Properties"]["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    with_certificate, without = resources["HttpListener"]["Properties"]["DefaultActions"]["Fn::If"][1:]
    assert with_certificate[0]["Type"] == "redirect"
    assert with_certificate[0]["RedirectConfig"]["Protocol"] == "HTTPS"
    assert without[0]["Type"] == "forward"


FUNCTIONS = ["LifecycleFunction", "ScalerFunction", "AlarmFunction"]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_runtime_layer_logs_and_failure_destination(
    transformed: dict[str, Any], function: str
) -> None:
    resources = transformed["Resources"]
    properties = resources[function]["Properties"]
    # GIVEN each function THEN it runs python3.13 on arm64 with the layer and its own log group
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Handler"] == "app.lambda_handler"
    assert next(layer["Ref"] for layer in properties["Layers"]).startswith("WarmfleetLayer")
    log_group = properties["LoggingConfig"]["LogGroup"]["Ref"]
    assert resources[log_group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # AND failed asynchronous invocations go to a queue declared for it alone
    destination = resources[f"{function}EventInvokeConfig"]["Properties"]["DestinationConfig"]["OnFailure"]
    queue = destination["Destination"]["Fn::GetAtt"][0]
    assert queue == function.replace("Function", "FailureQueue")
    assert resources[queue]["Properties"]["SqsManagedSseEnabled"] is True


def test_scaler_runs_one_at_a_time_and_lifecycle_runs_in_the_vpc(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    assert resources["ScalerFunction"]["Properties"]["ReservedConcurrentExecutions"] == 1
    vpc = resources["LifecycleFunction"]["Properties"]["VpcConfig"]
    assert vpc["SecurityGroupIds"] == [{"Ref": "LifecycleFunctionSecurityGroup"}]
    assert vpc["SubnetIds"] == {"Ref": "PrivateSubnetIds"}


@pytest.mark.parametrize(
    ("rule", "source", "detail_types", "group_key"),
    [
        pytest.param(
            "LifecycleFunctionLaunchHook",
            "aws.autoscaling",
            ["EC2 Instance-launch Lifecycle Action"],
            "AutoScalingGroupName",
            id="launch",
        ),
        pytest.param(
            "LifecycleFunctionTerminateHook",
            "aws.autoscaling",
            ["EC2 Instance-terminate Lifecycle Action"],
            "AutoScalingGroupName",
            id="terminate",
        ),
        pytest.param(
            "LifecycleFunctionInstanceEvents",
            "warmfleet.instance",
            ["Instance Warm", "Instance Warm-up Failed", "Instance Drained"],
            "autoScalingGroupName",
            id="instance",
        ),
    ],
)
def test_lifecycle_rules_match_only_this_group(
    transformed: dict[str, Any], rule: str, source: str, detail_types: list[str], group_key: str
) -> None:
    properties = transformed["Resources"][rule]["Properties"]
    pattern = properties["EventPattern"]
    assert pattern["source"] == [source]
    assert pattern["detail-type"] == detail_types
    assert pattern["detail"] == {group_key: [GROUP_NAME]}
    # AND undeliverable events are kept in this stack's dead-letter queue
    (target,) = properties["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["LifecycleFunction", "Arn"]}
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["EventDeliveryDeadLetterQueue", "Arn"]}


def test_alarm_rule_matches_only_this_stacks_step_alarms(transformed: dict[str, Any]) -> None:
    pattern = transformed["Resources"]["AlarmFunctionAlarmStateChange"]["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.cloudwatch"]
    assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]
    assert len(pattern["resources"]) == 3
    assert all("${AWS::StackName}-" in arn["Fn::Sub"] for arn in pattern["resources"])


def test_tick_loop_is_an_express_state_machine_with_four_ticks_15_seconds_apart(
    transformed: dict[str, Any],
) -> None:
    # GIVEN the state machine SAM generated
    properties = transformed["Resources"]["TickStateMachine"]["Properties"]
    separator, lines = properties["DefinitionString"]["Fn::Join"]
    definition = json.loads(separator.join(lines))
    states = definition["States"]
    # THEN it is Express, invokes the scaler four times and waits 15 s between invocations
    assert properties["StateMachineType"] == "EXPRESS"
    assert properties["DefinitionSubstitutions"]["ScalerFunctionArn"] == {
        "Fn::GetAtt": ["ScalerFunction", "Arn"]
    }
    order, name = [], definition["StartAt"]
    while states[name]["Type"] != "Succeed":
        order.append(name)
        name = states[name]["Next"]
    kinds = [states[name]["Type"] for name in order]
    assert kinds == ["Task", "Wait", "Task", "Wait", "Task", "Wait", "Task"]
    assert [states[name]["Seconds"] for name in order if states[name]["Type"] == "Wait"] == [15, 15, 15]
    for task in (states[name] for name in order if states[name]["Type"] == "Task"):
        assert task["Resource"] == "arn:${Partition}:states:::lambda:invoke"
        assert task["Parameters"]["FunctionName"] == "${ScalerFunctionArn}"
    # AND a one-minute Scheduler schedule starts it
    schedule = transformed["Resources"]["TickStateMachineEveryMinute"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert schedule["Target"]["Arn"] == {"Ref": "TickStateMachine"}


def test_outputs_name_everything_operators_look_up(transformed: dict[str, Any]) -> None:
    assert {
        "LoadBalancerUrl",
        "AutoScalingGroupName",
        "InferenceQueueUrl",
        "ReplyQueueUrl",
        "ResultsBucketName",
        "StateTableName",
        "LifecycleFunctionName",
        "ScalerFunctionName",
        "AlarmFunctionName",
        "TickStateMachineName",
        "DashboardUrl",
    } <= set(transformed["Outputs"])


def test_every_parameter_has_a_description_and_a_constraint(transformed: dict[str, Any]) -> None:
    constraints = {"AllowedValues", "AllowedPattern", "MinValue", "MaxValue", "MinLength", "MaxLength"}
    for name, spec in transformed["Parameters"].items():
        assert spec.get("Description"), name
        typed = spec["Type"].startswith(("AWS::", "List<AWS::"))  # AWS-typed: CloudFormation validates
        assert typed or constraints & set(spec), name


def test_alarms_notify_the_topic(transformed: dict[str, Any]) -> None:
    for logical_id, alarm in resources_of_type(transformed, "AWS::CloudWatch::Alarm").items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], logical_id


@pytest.mark.parametrize(
    ("auth_type", "expected_actions"),
    [
        pytest.param("none", [("forward", 1)], id="none"),
        pytest.param("oidc", [("authenticate-oidc", 1), ("forward", 2)], id="oidc"),
        pytest.param("cognito", [("authenticate-cognito", 1), ("forward", 2)], id="cognito"),
    ],
)
def test_https_listener_authenticates_before_forwarding(
    sam_template: dict[str, Any], auth_type: str, expected_actions: list[tuple[str, int]]
) -> None:
    # GIVEN a certificate and an authentication type WHEN the listener's actions are resolved
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/x"
    resolver = Resolver(sam_template, {"CertificateArn": certificate, "AuthType": auth_type})
    actions = resolver.resolve(sam_template["Resources"]["HttpsListener"]["Properties"]["DefaultActions"])
    # THEN authentication (when asked) comes first, and every request ends at the target group
    assert [(action["Type"], action["Order"]) for action in actions] == expected_actions
    assert actions[-1]["TargetGroupArn"] == "<TargetGroup>"
    if auth_type == "oidc":
        secret = actions[0]["AuthenticateOidcConfig"]["ClientSecret"]
        assert secret.startswith("{{resolve:secretsmanager:")  # never a template parameter value
