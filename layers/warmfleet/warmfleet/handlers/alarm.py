"""The alarm function's logic: an alarm's step, or a busy-hours window opening, decided at once.

Two inputs, each validated and filtered before any AWS call:

* a "CloudWatch Alarm State Change" of one of this stack's alarms (`ALARM_STEPS`, keyed by ARN). EventBridge's
  rule already matches these ARNs; the function checks again, because a rule can be widened by hand and a
  step must never come from another stack's alarm. ALARM starts the alarm's step, OK ends it,
  INSUFFICIENT_DATA changes nothing. The change is keyed by the alarm's state timestamp, so a redelivered
  event, or one older than the last change applied, changes nothing (EventBridge delivers at least once).
* the payload of a busy-hours schedule (`warmfleet.models.ScheduleEvent`): a window is opening now.

Either runs the scaler's own pipeline (`warmfleet.handlers.scaler.run_pipeline`) with the change, so the tick
and the alarm path make the same decision with the same inputs: the step enters `warmfleet.core.decide` as
an active alarm (step 6, after behaviour, so it applies at once), the windows as the schedule floor and
ceiling, and the new history is stored conditionally in the shared state — the next tick keeps the step's
floor while the alarm is in ALARM and its stabilization window holds the capacity after OK. An alarm's
`ceiling` (from `ALARM_STEPS`) caps the floor its step sets, applied by the core (`AlarmStep.ceiling`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from warmfleet.config import AlarmConfig, AlarmStep
from warmfleet.exceptions import ConfigurationError, InvalidEventError
from warmfleet.handlers.outcome import Outcome, OutcomeStatus, RejectReason, parse_event, rejected
from warmfleet.models import AlarmStateChangeEvent, AlarmStateValue, ScheduleEvent

if TYPE_CHECKING:
    from warmfleet.aws.scaler_state import ScalerState
    from warmfleet.config import ScalerConfig
    from warmfleet.core import Policy
    from warmfleet.handlers.scaler import ScalerRuntime

logger = Logger(child=True)

ALARM_WRITER = "alarm"
SCHEDULE_WRITER = "schedule"
#: Conditional writes the alarm path retries after losing to a tick (each from a fresh read).
SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class AlarmRuntime:
    """The scaler's runtime and configuration, as the alarm function builds them once per container."""

    scaler: ScalerRuntime
    scaler_config: ScalerConfig


RuntimeProvider = Callable[[], AlarmRuntime]


def classify(
    event: object, config: AlarmConfig
) -> tuple[AlarmStateChangeEvent, AlarmStep] | ScheduleEvent | Outcome:
    if isinstance(event, dict) and event.get("warmfleet") == "schedule":
        try:
            return parse_event(ScheduleEvent, event)
        except InvalidEventError as error:
            return rejected(RejectReason.MALFORMED, str(error))
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


def handle(event: object, config: AlarmConfig, provide: RuntimeProvider) -> dict[str, Any]:
    classified = classify(event, config)
    if isinstance(classified, Outcome):
        logger.warning("event not acted on", extra={"outcome": classified.as_dict()})
        return classified.as_dict()
    if isinstance(classified, ScheduleEvent):
        return on_schedule(classified, config, provide)
    parsed, step = classified
    return on_alarm_state_change(parsed, step, config, provide)


@dataclass(frozen=True)
class AlarmChange:
    """ALARM starts `name`'s step, OK ends it; `at` (the state timestamp) orders and de-duplicates."""

    name: str
    state: AlarmStateValue
    at: datetime
    writer: str = ALARM_WRITER

    def update(self, state: ScalerState) -> ScalerState | None:
        last = state.alarm_changes.get(self.name)
        if last is not None and self.at <= last:
            return None
        active = set(state.active_alarms)
        if self.state is AlarmStateValue.ALARM:
            active.add(self.name)
        else:
            active.discard(self.name)
        return state.evolve(
            active_alarms=tuple(sorted(active)), alarm_changes={**state.alarm_changes, self.name: self.at}
        )


@dataclass(frozen=True)
class ScheduleChange:
    """A window opening: nothing stored changes; the windows set the floor and ceiling, decided now."""

    writer: str = SCHEDULE_WRITER

    def update(self, state: ScalerState) -> ScalerState | None:
        return state


def on_alarm_state_change(
    event: AlarmStateChangeEvent, step: AlarmStep, config: AlarmConfig, provide: RuntimeProvider
) -> dict[str, Any]:
    """Start (ALARM) or end (OK) the alarm's step through the scaler's pipeline; else no change."""
    from warmfleet.handlers import scaler  # noqa: PLC0415 - boto3 and the core load on the first acted event

    state = event.detail.state
    if state.value is AlarmStateValue.INSUFFICIENT_DATA:
        outcome = Outcome(
            OutcomeStatus.IGNORED, "insufficient-data", f"alarm {step.name} has insufficient data: no change"
        )
        logger.info("alarm state change not acted on", extra={"outcome": outcome.as_dict()})
        return outcome.as_dict()
    runtime = provide()
    scaler_runtime = replace(runtime.scaler, policy=policy_with_alarm_steps(runtime.scaler.policy, config))
    change = AlarmChange(step.name, state.value, state.timestamp)
    logger.info(
        "alarm state change",
        extra={"alarm": step.name, "state": str(state.value), "at": state.timestamp.isoformat()},
    )
    return scaler.run_pipeline(scaler_runtime, runtime.scaler_config, change, attempts=SAVE_ATTEMPTS)


def on_schedule(event: ScheduleEvent, config: AlarmConfig, provide: RuntimeProvider) -> dict[str, Any]:
    """A busy-hours window opens: check it is this stack's, then decide at once through the pipeline."""
    from warmfleet.handlers import scaler  # noqa: PLC0415 - see on_alarm_state_change

    runtime = provide()
    windows = {window.name: window for window in runtime.scaler.windows}
    window = windows.get(event.window)
    if window is None:
        outcome = rejected(
            RejectReason.MALFORMED, f"window {event.window!r} is not one of this stack's ({sorted(windows)})"
        )
    elif (event.floor, event.ceiling) != (window.floor, window.ceiling):
        outcome = rejected(
            RejectReason.MALFORMED,
            f"window {event.window!r} says floor {event.floor} and ceiling {event.ceiling}, but "
            f"SCHEDULE_WINDOWS has {window.floor} and {window.ceiling}",
        )
    elif event.closes_at <= runtime.scaler.clock():
        outcome = Outcome(
            OutcomeStatus.IGNORED, "window-closed", f"window {event.window!r} closed at {event.closes_at}"
        )
    else:
        logger.info("schedule window opens", extra={"window": event.window, "until": event.until})
        return scaler.run_pipeline(
            runtime.scaler, runtime.scaler_config, ScheduleChange(), attempts=SAVE_ATTEMPTS
        )
    logger.warning("schedule event not acted on", extra={"outcome": outcome.as_dict()})
    return outcome.as_dict()


def check_alarm_steps(config: AlarmConfig, policy: Policy) -> None:
    """Each `ALARM_STEPS` alarm has the same step in the policy, so the tick keeps the step while it lasts."""
    steps = {step.alarm_name: step for step in policy.alarm_steps}
    for arn, step in config.alarm_steps.items():
        twin = steps.get(step.name)
        if twin is None or (twin.add_instances, twin.add_percent) != (step.instances, step.percent):
            found = (twin.add_instances, twin.add_percent) if twin else "none"
            raise ConfigurationError(
                f"ALARM_STEPS {arn} steps {step.name} by ({step.instances}, {step.percent} %) but "
                f"POLICY.alarm_steps has {found}: the scaler tick would drop the step"
            )
        if None not in (twin.ceiling, step.ceiling) and twin.ceiling != step.ceiling:
            raise ConfigurationError(
                f"ALARM_STEPS {arn} caps {step.name} at {step.ceiling}, POLICY.alarm_steps at {twin.ceiling}"
            )


def policy_with_alarm_steps(policy: Policy, config: AlarmConfig) -> Policy:
    """The policy with each step's `ceiling` from `ALARM_STEPS` (checked twins; the core applies it).

    A step's floor is fixed by the decision that first sees its alarm in ALARM — the alarm path's — and the
    history keeps it, so the ticks need not know the ceiling.
    """
    check_alarm_steps(config, policy)
    ceilings = {step.name: step.ceiling for step in config.alarm_steps.values() if step.ceiling is not None}
    steps = tuple(
        step.model_copy(update={"ceiling": ceilings[step.alarm_name]})
        if step.alarm_name in ceilings
        else step
        for step in policy.alarm_steps
    )
    return policy.model_copy(update={"alarm_steps": steps})
