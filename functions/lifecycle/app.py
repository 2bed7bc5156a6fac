"""Lifecycle function: holds each new instance out of service until its model is warm, and each
leaving instance until it has drained (launch/terminate hooks, instance events, the sweep).

A composition root: read the configuration from the environment (names in `warmfleet.config`), let
`warmfleet.handlers.lifecycle` validate and filter, and only then build the boto3 clients (once per
container) and inject them into the gate. See the README, "Lifecycle: warm before InService".
"""

from __future__ import annotations

import os
import warnings
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext
from warmfleet.aws import (
    AutoScalingLifecycleHooks,
    CloudFormationRolloutSignals,
    DynamoActionStore,
    Ec2InstanceAddresses,
    RolloutSignals,
    RolloutTarget,
)
from warmfleet.aws.clients import adaptive_client
from warmfleet.config import LifecycleConfig
from warmfleet.handlers import lifecycle
from warmfleet.lifecycle import LifecycleGate, build_gate

logger = Logger()
# service="" leaves out Powertools' default `service` dimension: the contract is {AutoScalingGroupName} only.
metrics = Metrics(namespace="warmfleet", service="")
# Most events (a duplicate, a heartbeat-free sweep) publish no metric; that is expected, not worth a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")


@cache
def gate() -> LifecycleGate:
    config = LifecycleConfig.from_env(os.environ)
    metrics.set_default_dimensions(AutoScalingGroupName=config.group_name)
    dynamodb = adaptive_client("dynamodb")
    store = DynamoActionStore(dynamodb, config.state_table, config.group_name, config.warmup_budget_seconds)
    hooks = AutoScalingLifecycleHooks(adaptive_client("autoscaling"))
    addresses = Ec2InstanceAddresses(adaptive_client("ec2"))
    return build_gate(
        config, store=store, hooks=hooks, addresses=addresses, metrics=metrics, rollout=rollout(config)
    )


def rollout(config: LifecycleConfig) -> RolloutSignals | None:
    """The CloudFormation roll-out to signal; no client at all unless ROLLOUT_* are set."""
    if config.rollout_stack_name is None or config.rollout_resource_id is None:
        return None
    target = RolloutTarget(config.rollout_stack_name, config.rollout_resource_id)
    return CloudFormationRolloutSignals(adaptive_client("cloudformation"), target)


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return lifecycle.handle(event, LifecycleConfig.from_env(os.environ), gate)
