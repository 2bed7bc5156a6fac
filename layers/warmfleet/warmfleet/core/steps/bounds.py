"""Step 7: scale-in protection, then the group's ``[MinSize, MaxSize]``, which beat everything above."""

from __future__ import annotations

from warmfleet.core.decision import Capacity, StepOutcome, new_record
from warmfleet.core.inputs import GroupCapacity
from warmfleet.core.reasons import Reason, Step

# Bound once: Enum class attribute access is slow on Python 3.11 (see steps/proposals.py).
_BOUNDS, _NO_CHANGE = Step.BOUNDS, Reason.NO_CHANGE


def bounds(value: int, group: GroupCapacity, capacity: Capacity) -> StepOutcome:
    """Step 7: never below the protected instances still in the group, then clamp to the group's bounds."""
    result, reason, message = value, _NO_CHANGE, "within the group's bounds"
    protected_floor = min(group.desired_capacity, capacity.protected)
    if result < protected_floor:
        result, reason = protected_floor, Reason.SCALE_IN_PROTECTED
        message = f"{capacity.protected} instances are protected from scale-in: at least {result}"
    if result < group.min_size:
        result, reason, message = group.min_size, Reason.MIN_SIZE, f"raised to MinSize {group.min_size}"
    elif result > group.max_size:
        result, reason, message = group.max_size, Reason.MAX_SIZE, f"capped at MaxSize {group.max_size}"
    return new_record(StepOutcome, (_BOUNDS, result, reason, message))
