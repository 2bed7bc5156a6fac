"""The alarm function's front door: act only on state changes of this stack's own alarms.

EventBridge's rule already matches this stack's alarm ARNs; the function checks again, because a rule can be
widened by hand and an alarm step must never come from another stack's alarm.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from warmfleet.config import AlarmConfig, AlarmStep
from warmfleet.exceptions import InvalidEventError, NotYetImplementedError
from warmfleet.handlers.outcome import Outcome, RejectReason, parse_event, rejected
from warmfleet.models import AlarmStateChangeEvent

logger = Logger(child=True)


def classify(event: object, config: AlarmConfig) -> tuple[AlarmStateChangeEvent, AlarmStep] | Outcome:
    try:
        parsed = parse_event(AlarmStateChangeEvent, event)
    except InvalidEventError as error:
        return rejected(RejectReason.MALFORMED, str(error))
    step = config.alarm_steps.get(parsed.alarm_arn)
    if step is None:
        return rejected(
            RejectReason.FOREIGN_ALARM,
            f"alarm {parsed.detail.alarm_name!r} ({parsed.alarm_arn}) is not one of this stack's alarms",
        )
    return parsed, step


def handle(event: object, config: AlarmConfig) -> dict[str, Any]:
    classified = classify(event, config)
    if isinstance(classified, Outcome):
        logger.warning("event not acted on", extra={"outcome": classified.as_dict()})
        return classified.as_dict()
    parsed, step = classified
    return on_alarm_state_change(parsed, step, config)


def on_alarm_state_change(
    event: AlarmStateChangeEvent, step: AlarmStep, config: AlarmConfig
) -> dict[str, Any]:
    """Apply or end the alarm's step through the core (issue 12)."""
    raise NotYetImplementedError("alarm-driven scaling arrives with issue 12; nothing was scaled")
