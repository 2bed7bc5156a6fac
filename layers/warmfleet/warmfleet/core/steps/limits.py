"""Step 6: alarm steps and the schedule floor raise the number, the schedule ceiling caps it.

It runs after the behaviour, so an alarm step applies at once (no rate limit
delays it) and a stabilization window never holds the number above a ceiling.
An alarm step's floor is fixed when the alarm is first seen in ALARM (capacity
then plus the step) and kept in the history while it stays in ALARM, so a long
alarm does not compound its step on every call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from warmfleet.core.decision import StepOutcome, new_record
from warmfleet.core.inputs import DecisionInputs
from warmfleet.core.policy import Policy
from warmfleet.core.reasons import Reason, Step

# Bound once: Enum class attribute access is slow on Python 3.11 (see steps/proposals.py).
_LIMITS, _NO_CHANGE = Step.LIMITS, Reason.NO_CHANGE


def alarm_floors(
    policy: Policy, inputs: DecisionInputs, previous: Mapping[str, int] | None
) -> dict[str, int]:
    """The floor of each alarm step whose alarm is in ALARM now (unknown alarm names are ignored)."""
    floors: dict[str, int] = {}
    if not inputs.active_alarms or not policy.alarm_steps:
        return floors
    current = inputs.group.desired_capacity
    previous = previous or {}
    for step in policy.alarm_steps:
        if step.alarm_name in inputs.active_alarms:
            added = max(step.add_instances, math.ceil(current * step.add_percent / 100))
            floor = current + added if step.ceiling is None else min(current + added, step.ceiling)
            floors[step.alarm_name] = previous.get(step.alarm_name, floor)
    return floors


def limits(value: int, floors: dict[str, int], inputs: DecisionInputs) -> StepOutcome:
    """Step 6 (see the module doc)."""
    result, reason, notes = value, _NO_CHANGE, []
    if floors:
        name, floor = max(floors.items(), key=lambda item: item[1])
        if floor > result:
            result, reason = floor, Reason.ALARM_STEP
            notes.append(f"alarm {name} raises to {floor}")
    if inputs.schedule_floor is not None and inputs.schedule_floor > result:
        result, reason = inputs.schedule_floor, Reason.SCHEDULE_FLOOR
        notes.append(f"schedule floor raises to {result}")
    if inputs.schedule_ceiling is not None and inputs.schedule_ceiling < result:
        result, reason = inputs.schedule_ceiling, Reason.SCHEDULE_CEILING
        notes.append(f"schedule ceiling caps at {result}")
    message = "; ".join(notes) if notes else "no alarm step, floor or ceiling applies"
    return new_record(StepOutcome, (_LIMITS, result, reason, message))
