"""The lifecycle function's front door: sort each event, reject what is not this group's, then dispatch.

It receives three kinds of event (DESIGN.md, "Lifecycle"): the Auto Scaling group's launch and terminate
lifecycle actions, the instance agent's `warmfleet.instance` events, and the sweep's own schedule payload.
Everything is validated and filtered here, before any AWS call (a lifecycle action of a hook that is not
this stack's is ignored too); the `on_*` functions hand the typed event to the `LifecycleGate`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from warmfleet.config import LifecycleConfig
from warmfleet.exceptions import InvalidEventError
from warmfleet.handlers.outcome import Outcome, OutcomeStatus, RejectReason, parse_event, rejected
from warmfleet.lifecycle import LifecycleGate
from warmfleet.models import (
    InstanceDetailType,
    InstanceEvent,
    LifecycleActionEvent,
    LifecycleDetailType,
    SweepTick,
)

logger = Logger(child=True)

LifecycleInput = LifecycleActionEvent | InstanceEvent | SweepTick
FOREIGN_HOOK = "foreign-hook"


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
    if isinstance(parsed, LifecycleActionEvent):
        expected = (
            config.launch_hook_name
            if parsed.detail_type is LifecycleDetailType.LAUNCH
            else config.terminate_hook_name
        )
        if parsed.detail.lifecycle_hook_name != expected:
            # Another hook on this group (someone else's): completing its actions is not ours to do.
            return Outcome(
                OutcomeStatus.IGNORED,
                FOREIGN_HOOK,
                f"hook {parsed.detail.lifecycle_hook_name!r} is not this stack's {expected!r}",
            )
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


def handle(event: object, config: LifecycleConfig, gate: Callable[[], LifecycleGate]) -> dict[str, Any]:
    """Validate and filter `event`, then act on it; returns the outcome for the log and the caller.

    `gate` builds the lifecycle gate (and its boto3 clients) only once the event has passed the checks.
    """
    parsed = classify(event, config)
    if isinstance(parsed, Outcome):
        logger.warning("event not acted on", extra={"outcome": parsed.as_dict()})
        return parsed.as_dict()
    if isinstance(parsed, SweepTick):
        return on_sweep(gate())
    if isinstance(parsed, LifecycleActionEvent):
        if parsed.detail_type is LifecycleDetailType.LAUNCH:
            return on_launch_action(parsed, gate())
        return on_terminate_action(parsed, gate())
    match parsed.detail_type:
        case InstanceDetailType.WARM:
            return on_instance_warm(parsed, gate())
        case InstanceDetailType.WARMUP_FAILED:
            return on_instance_warmup_failed(parsed, gate())
        case InstanceDetailType.DRAINED:
            return on_instance_drained(parsed, gate())


def on_launch_action(event: LifecycleActionEvent, gate: LifecycleGate) -> dict[str, Any]:
    """Record a pending launch action (once per token), then act on an early agent report."""
    return gate.on_lifecycle_action(event)


def on_terminate_action(event: LifecycleActionEvent, gate: LifecycleGate) -> dict[str, Any]:
    """Mark the instance draining; one that never served is let go at once."""
    return gate.on_lifecycle_action(event)


def on_instance_warm(event: InstanceEvent, gate: LifecycleGate) -> dict[str, Any]:
    """Verify the instance over HTTP and complete its launch action with CONTINUE."""
    return gate.on_instance_event(event)


def on_instance_warmup_failed(event: InstanceEvent, gate: LifecycleGate) -> dict[str, Any]:
    """Abandon the instance's launch action."""
    return gate.on_instance_event(event)


def on_instance_drained(event: InstanceEvent, gate: LifecycleGate) -> dict[str, Any]:
    """Complete the instance's terminate action with CONTINUE."""
    return gate.on_instance_event(event)


def on_sweep(gate: LifecycleGate) -> dict[str, Any]:
    """Heartbeat, verify again, abandon, let go and adopt pending actions."""
    return gate.sweep()
