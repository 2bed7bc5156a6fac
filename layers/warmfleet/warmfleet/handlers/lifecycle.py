"""The lifecycle function's front door: sort each event, reject what is not this group's, then dispatch.

It receives three kinds of event (DESIGN.md, "Lifecycle"): the Auto Scaling group's launch and terminate
lifecycle actions, the instance agent's `warmfleet.instance` events, and the sweep's own schedule payload.
Everything is validated and filtered here, before any AWS call; the `on_*` functions act.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from warmfleet.config import LifecycleConfig
from warmfleet.exceptions import InvalidEventError, NotYetImplementedError
from warmfleet.handlers.outcome import Outcome, RejectReason, parse_event, rejected
from warmfleet.models import (
    InstanceDetailType,
    InstanceEvent,
    LifecycleActionEvent,
    LifecycleDetailType,
    SweepTick,
)

logger = Logger(child=True)

LifecycleInput = LifecycleActionEvent | InstanceEvent | SweepTick


def classify(event: object, config: LifecycleConfig) -> LifecycleInput | Outcome:
    """Parse `event` into the model its source names, or say why it is rejected (no AWS call)."""
    try:
        parsed = _parse(event)
    except InvalidEventError as error:
        return rejected(RejectReason.MALFORMED, str(error))
    if isinstance(parsed, Outcome):
        return parsed
    if isinstance(parsed, SweepTick):
        return parsed
    group = parsed.detail.auto_scaling_group_name
    if group != config.group_name:
        return rejected(RejectReason.FOREIGN_GROUP, f"event for group {group!r}, not {config.group_name!r}")
    return parsed


def _parse(event: object) -> LifecycleInput | Outcome:
    if not isinstance(event, dict):
        raise InvalidEventError(f"expected a JSON object, got {type(event).__name__}")
    if "warmfleet" in event:
        return parse_event(SweepTick, event)
    source = event.get("source")
    if source == "aws.autoscaling":
        return parse_event(LifecycleActionEvent, event)
    if source == "warmfleet.instance":
        return parse_event(InstanceEvent, event)
    return rejected(
        RejectReason.NOT_THIS_FUNCTION, f"source {source!r} is not one the lifecycle function takes"
    )


def handle(event: object, config: LifecycleConfig) -> dict[str, Any]:
    """Validate and filter `event`, then act on it; returns the outcome for the log and the caller."""
    parsed = classify(event, config)
    if isinstance(parsed, Outcome):
        logger.warning("event not acted on", extra={"outcome": parsed.as_dict()})
        return parsed.as_dict()
    if isinstance(parsed, SweepTick):
        return on_sweep(config)
    if isinstance(parsed, LifecycleActionEvent):
        if parsed.detail_type is LifecycleDetailType.LAUNCH:
            return on_launch_action(parsed, config)
        return on_terminate_action(parsed, config)
    match parsed.detail_type:
        case InstanceDetailType.WARM:
            return on_instance_warm(parsed, config)
        case InstanceDetailType.WARMUP_FAILED:
            return on_instance_warmup_failed(parsed, config)
        case InstanceDetailType.DRAINED:
            return on_instance_drained(parsed, config)


def on_launch_action(event: LifecycleActionEvent, config: LifecycleConfig) -> dict[str, Any]:
    """Record a pending launch action (issue 10)."""
    raise NotYetImplementedError("launch lifecycle actions are handled from issue 10 on; nothing was done")


def on_terminate_action(event: LifecycleActionEvent, config: LifecycleConfig) -> dict[str, Any]:
    """Mark the instance draining (issue 10)."""
    raise NotYetImplementedError("terminate lifecycle actions are handled from issue 10 on; nothing was done")


def on_instance_warm(event: InstanceEvent, config: LifecycleConfig) -> dict[str, Any]:
    """Verify the instance and complete its launch action with CONTINUE (issue 10)."""
    raise NotYetImplementedError("Instance Warm is handled from issue 10 on; nothing was done")


def on_instance_warmup_failed(event: InstanceEvent, config: LifecycleConfig) -> dict[str, Any]:
    """Abandon the instance's launch action (issue 10)."""
    raise NotYetImplementedError("Instance Warm-up Failed is handled from issue 10 on; nothing was done")


def on_instance_drained(event: InstanceEvent, config: LifecycleConfig) -> dict[str, Any]:
    """Complete the instance's terminate action with CONTINUE (issue 10)."""
    raise NotYetImplementedError("Instance Drained is handled from issue 10 on; nothing was done")


def on_sweep(config: LifecycleConfig) -> dict[str, Any]:
    """Heartbeat, abandon and adopt pending actions (issue 10)."""
    raise NotYetImplementedError("the lifecycle sweep arrives with issue 10; nothing was done")
