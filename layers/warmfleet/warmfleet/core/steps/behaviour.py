"""Step 5: HPA ``behavior`` - stabilization windows, then rate-limit policies.

The stabilized value lies between the lowest recommendation of the scale-up
window and the highest of the scale-down window (so no scale-in inside the
scale-down window after a higher recommendation); the rate policies then limit
the change per period using the stored scale events. While panicking neither
applies to a scale-up, and no scale-down happens.
"""

from __future__ import annotations

from warmfleet.core.decision import StepOutcome, new_record
from warmfleet.core.history import History
from warmfleet.core.policy import Behavior
from warmfleet.core.reasons import Reason, Step
from warmfleet.core.rules.rate_limit import INT32_MAX, LimitReason, rate_limit
from warmfleet.core.rules.stabilization import stabilize

# Bound once: Enum class attribute access is slow on Python 3.11 (see steps/proposals.py).
_BEHAVIOUR, _NO_CHANGE = Step.BEHAVIOUR, Reason.NO_CHANGE


def behaviour(
    settings: Behavior, value: int, current: int, *, history: History, panicking: bool, now: float
) -> StepOutcome:
    """Step 5 (see the module doc); ``current`` is the group's desired capacity."""
    if panicking:
        if value < current:
            return new_record(
                StepOutcome, (_BEHAVIOUR, current, Reason.PANIC, f"panicking: no scale-down, hold {current}")
            )
        return new_record(
            StepOutcome, (_BEHAVIOUR, value, Reason.PANIC, "panicking: no stabilization or rate limit")
        )
    up, down = settings.scale_up, settings.scale_down
    stabilized = stabilize(
        history.recommendations,
        current,
        value,
        up_window=up.stabilization_window_seconds,
        down_window=down.stabilization_window_seconds,
        now=now,
    )
    if stabilized == current:  # no change, so no rate policy can limit it (the common steady tick)
        limited, limit_reason = stabilized, LimitReason.DESIRED_WITHIN_RANGE
    else:
        limited, limit_reason = rate_limit(
            current,
            stabilized,
            min_replicas=0,
            max_replicas=INT32_MAX,
            scale_up=up.rules,
            scale_down=down.rules,
            up_events=history.scale_up_events,
            down_events=history.scale_down_events,
            now=now,
        )
    if limited != stabilized:
        if limit_reason is LimitReason.SCALE_UP_LIMIT:
            message = f"scale-up rate policies allow {limited} now (wanted {stabilized})"
            return new_record(StepOutcome, (_BEHAVIOUR, limited, Reason.SCALE_UP_LIMIT, message))
        message = f"scale-down rate policies allow {limited} now (wanted {stabilized})"
        return new_record(StepOutcome, (_BEHAVIOUR, limited, Reason.SCALE_DOWN_LIMIT, message))
    if stabilized != value:
        if stabilized < value:
            message = (
                f"scale-up window {up.stabilization_window_seconds} s saw lower recommendations: {stabilized}"
            )
            return new_record(StepOutcome, (_BEHAVIOUR, stabilized, Reason.SCALE_UP_STABILIZED, message))
        window = down.stabilization_window_seconds
        message = f"scale-down window {window} s saw higher recommendations: {stabilized}"
        return new_record(StepOutcome, (_BEHAVIOUR, stabilized, Reason.SCALE_DOWN_STABILIZED, message))
    return new_record(
        StepOutcome, (_BEHAVIOUR, value, _NO_CHANGE, "within the stabilization windows and rate limits")
    )
