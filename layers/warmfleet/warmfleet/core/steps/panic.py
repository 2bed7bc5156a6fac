"""Step 4: Knative panic mode.

A signal's panic proposal uses ``panic_value`` when the collector read the short
panic window, else the reading itself. When the highest panic proposal reaches
the threshold ratio of the counted capacity the group panics: the number scales
up at once (step 5 applies no stabilization or rate limit to it) and never
decreases until a full stable window has passed below the threshold
(:mod:`warmfleet.core.rules.panic`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from warmfleet.core.decision import Capacity, Proposal, StepOutcome
from warmfleet.core.inputs import SignalReading
from warmfleet.core.policy import PanicPolicy, Policy, SignalKind
from warmfleet.core.reasons import Reason, SignalStatus, Step
from warmfleet.core.rules.activation import is_active
from warmfleet.core.rules.panic import PanicState, is_over_panic_threshold, next_panic_state, ratchet


def panic_proposal(policy: Policy, readings: Mapping[str, SignalReading], capacity: Capacity) -> int:
    """The highest raw (untolerated) proposal over the panic window of ``readings``, in serving instances.

    Pass only the readings of valid signals (:func:`valid_readings`).
    """
    best = 0
    for signal in policy.signals:
        reading = readings.get(signal.name)
        if reading is None or reading.value is None:
            continue
        value = reading.panic_value if reading.panic_value is not None else reading.value
        if signal.kind is SignalKind.TOTAL:
            wanted = math.ceil(value / signal.target) if is_active(value, signal.activation_threshold) else 0
        else:
            wanted = math.ceil(capacity.ready * value / signal.target)
        best = max(best, wanted)
    return best


def panic(
    settings: PanicPolicy,
    combined: int,
    *,
    panic_desired: int,
    capacity: Capacity,
    state: PanicState,
    now: float,
) -> tuple[PanicState, StepOutcome]:
    """Step 4: enter, extend or leave panic; while panicking the number is ratcheted up."""
    if not settings.enabled:
        return state, StepOutcome(Step.PANIC, combined, Reason.NO_CHANGE, "panic mode is disabled")
    over = is_over_panic_threshold(panic_desired, capacity.counted, settings.threshold_ratio)
    state = next_panic_state(state, over, now, settings.stable_window_seconds)
    state, value = ratchet(state, combined, panic_desired + capacity.occupying)
    if not state.panicking:
        return state, StepOutcome(Step.PANIC, value, Reason.NO_CHANGE, "not panicking")
    message = (
        f"panic: the panic window wants {panic_desired} instances against {capacity.counted} counted "
        f"(threshold {settings.panic_threshold_percentage:g} %); holding at least {value} until "
        f"{settings.stable_window_seconds:g} s pass below it"
    )
    return state, StepOutcome(Step.PANIC, value, Reason.PANIC, message)


def valid_readings(
    proposals: tuple[Proposal, ...], readings: Mapping[str, SignalReading]
) -> dict[str, SignalReading]:
    """The readings of the signals whose proposal was valid (the only ones panic may act on)."""
    return {p.signal: readings[p.signal] for p in proposals if p.status is SignalStatus.VALID}
